#!/usr/bin/python3
"""End-to-end cases of `resolve` and its cache: a tampered cache, offline misses, `cache clean`
arguments and the temp-dir fallback root.

usage: cache_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR [unittest args...]

The make-index trees are the ones resolve_e2e.py builds (shared under FIXTURE_DIR). Every case
gets its own temp dir and cache; nothing outside them and FIXTURE_DIR is written.
"""
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from resolve_e2e import RESOLVE, SRC, TARGET, file_url, parse_requirements_txt, snapshot_tree

# Runaway ceilings, not timings: a run that reads a FIFO forever or /dev/zero hits them.
TIMEOUT = 60


class cache_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.black = snapshot_tree()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyresolve-cache-e2e-")
        self.cache = os.path.join(self.tmp, "cache")
        shutil.copy(os.path.join(SRC, "data", "uv-requirements", "black.in"), self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYRESOLVE_") and k != "NO_COLOR"}
        env.update(extra)
        return env

    def resolve(self, *args, offline=False, env=None):
        argv = [RESOLVE, "black.in", "-i", file_url(self.black), "--cache-dir", self.cache, *TARGET,
                "--no-header", *args]
        if offline:
            argv.append("--offline")
        return subprocess.run(argv, capture_output=True, text=True, env=env or self.env(), cwd=self.tmp,
                              timeout=TIMEOUT)

    def resolve_measured(self, *args, offline=False):
        """`resolve` and the peak RSS of its process, in MB."""
        argv = [RESOLVE, "black.in", "-i", file_url(self.black), "--cache-dir", self.cache, *TARGET,
                "--no-header", *args] + (["--offline"] if offline else [])
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, env=self.env(), cwd=self.tmp)
            deadline = time.monotonic() + TIMEOUT
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    self.fail(f"{argv} still running after {TIMEOUT} s")
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(argv, proc.returncode, out.read().decode(), err.read().decode())
        return result, usage.ru_maxrss / 1024

    def pins(self, text):
        return {name: version for name, version, _ in parse_requirements_txt(text)[0]}

    def warm(self):
        """A cold run that fills the cache; its pins."""
        out = self.resolve()
        self.assertEqual(out.returncode, 0, out.stderr)
        pins = self.pins(out.stdout)
        self.assertIn("click", pins)
        return pins

    def entries_of(self, project, version):
        """The metadata entries of one version (the files of a version the resolve read)."""
        found = glob.glob(os.path.join(self.cache, "metadata-v*", project, f"{project}-{version}[-.]*.bin"))
        self.assertTrue(found, (project, version, os.listdir(os.path.join(self.cache))))
        return found

    def test_offline_missing_metadata_is_exit_2_naming_it_never_another_answer(self):
        pins = self.warm()
        for path in self.entries_of("click", pins["click"]):
            os.remove(path)
        out = self.resolve("-o", "out.txt", offline=True)
        # Older versions of click are in the cache: picking one would be a different answer.
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("click-" + pins["click"], out.stderr)
        self.assertIn("not in the cache", out.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))
        # Online, the entry is fetched again and the answer is the same.
        again = self.resolve()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.pins(again.stdout), pins)

    def check_replaced_entry(self, plant, what):
        pins = self.warm()
        victims = self.entries_of("click", pins["click"])
        for path in victims:
            os.remove(path)
            plant(path)
        out, rss_mb = self.resolve_measured(offline=True)
        self.assertEqual(out.returncode, 2, (what, out.stdout + out.stderr))
        self.assertTrue(any(path in out.stderr for path in victims), (what, out.stderr))
        self.assertIn("corrupt", out.stderr)
        self.assertLess(rss_mb, 500, what)  # nothing behind the entry's name is read into memory
        # Online: replaced by a fresh entry, the same answer, and the next offline run reads it.
        out, rss_mb = self.resolve_measured()
        self.assertEqual(out.returncode, 0, (what, out.stderr))
        self.assertLess(rss_mb, 500, what)
        self.assertEqual(self.pins(out.stdout), pins)
        for path in victims:
            self.assertTrue(stat.S_ISREG(os.lstat(path).st_mode), (what, path))
        out = self.resolve(offline=True)
        self.assertEqual(out.returncode, 0, (what, out.stderr))
        self.assertEqual(self.pins(out.stdout), pins)

    def test_fifo_in_place_of_an_entry(self):
        self.check_replaced_entry(os.mkfifo, "fifo")

    def test_folder_in_place_of_an_entry(self):
        def folder(path):
            os.makedirs(os.path.join(path, "inside"))
        self.check_replaced_entry(folder, "folder")

    def test_symlink_to_dev_zero_in_place_of_an_entry(self):
        self.check_replaced_entry(lambda path: os.symlink("/dev/zero", path), "symlink")

    def test_entry_copied_under_another_versions_key(self):
        pins = self.warm()
        newest = self.entries_of("click", pins["click"])
        # An older click's entry in the cache too (a valid entry, of another file).
        with open(os.path.join(self.tmp, "old.in"), "w") as f:
            f.write(f"click<{pins['click']}\n")
        out = subprocess.run([RESOLVE, "old.in", "-i", file_url(self.black), "--cache-dir", self.cache, *TARGET],
                             capture_output=True, text=True, env=self.env(), cwd=self.tmp, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 0, out.stderr)
        older = [p for p in glob.glob(os.path.join(self.cache, "metadata-v*", "click", "click-*.bin")) if p not in newest]
        self.assertTrue(older)
        for path in newest:
            shutil.copyfile(older[0], path)
        out = self.resolve(offline=True)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("written for another file", out.stderr)
        out = self.resolve()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.pins(out.stdout), pins)

    def test_cache_clean_takes_project_names_only(self):
        self.warm()
        victim = os.path.join(self.tmp, "victim")
        for path in (victim, victim + ".bin"):
            with open(path, "w") as f:
                f.write("keep")
        for bad in (victim, "/", "../victim", "a/b", "..", "_x"):
            out = subprocess.run([RESOLVE, "cache", "clean", "click", bad, "--cache-dir", self.cache],
                                 capture_output=True, text=True, timeout=TIMEOUT)
            self.assertEqual(out.returncode, 2, (bad, out.stdout, out.stderr))
            self.assertIn(f"'{bad}'", out.stderr)
            self.assertTrue(out.stderr.startswith("error: "), out.stderr)
        self.assertTrue(os.path.exists(victim))
        self.assertTrue(os.path.exists(victim + ".bin"))
        self.assertTrue(glob.glob(os.path.join(self.cache, "metadata-v*", "click", "*.bin")))  # nothing removed
        out = subprocess.run([RESOLVE, "cache", "clean", "Click", "--cache-dir", self.cache], capture_output=True,
                             text=True, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertFalse(glob.glob(os.path.join(self.cache, "metadata-v*", "click", "*.bin")))

    def test_temp_dir_fallback_is_a_private_folder_of_this_user(self):
        tmpdir = os.path.join(self.tmp, "t")
        os.mkdir(tmpdir)
        env = {k: v for k, v in self.env(TMPDIR=tmpdir).items() if k not in ("HOME", "XDG_CACHE_HOME")}
        fallback = os.path.join(tmpdir, f"pyresolve-cache-{os.geteuid()}")

        def cache_dir(env):
            return subprocess.run([RESOLVE, "cache", "dir"], capture_output=True, text=True, env=env, timeout=TIMEOUT)

        out = cache_dir(env)
        self.assertEqual((out.returncode, out.stdout), (0, fallback + "\n"), out.stderr)
        st = os.lstat(fallback)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        self.assertEqual(st.st_uid, os.geteuid())
        # A relative XDG_CACHE_HOME is ignored (XDG spec), as if unset.
        out = cache_dir(dict(env, XDG_CACHE_HOME="relative"))
        self.assertEqual(out.stdout, fallback + "\n")
        out = cache_dir(dict(env, XDG_CACHE_HOME="relative", HOME=os.path.join(self.tmp, "home")))
        self.assertEqual(out.stdout, os.path.join(self.tmp, "home", ".cache", "pyresolve") + "\n")
        # Readable by others: refused, naming it; no resolve reads or writes there.
        os.chmod(fallback, 0o755)
        out = subprocess.run([RESOLVE, "black.in", "-i", file_url(self.black), *TARGET], capture_output=True,
                             text=True, env=env, cwd=self.tmp, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn(fallback, out.stderr)
        self.assertEqual(out.stdout, "")
        if os.geteuid() == 0:
            # Planted by another user (with entries that would change the answer): refused.
            shutil.rmtree(fallback)
            os.mkdir(fallback, 0o700)
            os.chown(fallback, 65534, 65534)
            out = subprocess.run([RESOLVE, "black.in", "-i", file_url(self.black), *TARGET], capture_output=True,
                                 text=True, env=env, cwd=self.tmp, timeout=TIMEOUT)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn(fallback, out.stderr)
            self.assertIn("65534", out.stderr)
            self.assertEqual(os.listdir(fallback), [])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
