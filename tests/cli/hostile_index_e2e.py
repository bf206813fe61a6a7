#!/usr/bin/python3
"""End-to-end runs of `resolve` against a hostile index (tests/servers/hostile_server.py).

usage: hostile_index_e2e.py BIN_DIR SOURCE_DIR [unittest args...]

Every mode of the server gets one run with its own cache directory, HOME, TMPDIR and working
directory. Each run must end with exit 2 naming the URL (or with the right answer where the
right behaviour is to leave the bad version out), within a wall-time and a peak-RSS ceiling
that only runaway behaviour exceeds; nothing may be written outside the cache directory, and
no local file may be read and its content sent back to the server.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import shutil
import unittest

BIN, SRC = (os.path.abspath(a) for a in sys.argv[1:3])
RESOLVE = os.path.join(BIN, "resolve")
SERVER = os.path.join(SRC, "tests", "servers", "hostile_server.py")
TARGET = ["--python-version", "3.11", "--python-platform", "linux"]
SANITIZED = os.environ.get("PYRESOLVE_TEST_SANITIZED") == "1"
# Ceilings: the slowest honest failure is the drip (a 30 s low-speed window, not retried);
# the largest is a body cut at the 256 MiB cap (about 600 MB resident: the string's earlier,
# smaller buffers are kept by the allocator for a while). Sanitizers add shadow memory and
# slow-down. Runaway behaviour is gigabytes, or no end.
WALL_S = 90 if SANITIZED else 60
RSS_MB = 2048 if SANITIZED else 1024
TOKEN = "leaked-planted-7f3a9c"


class hostile_index_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="pyresolve-hostile-")
        cls.planted = os.path.join(cls.root, "planted")
        os.makedirs(cls.planted)
        # What a followed file: link would read: metadata requiring a project named after a
        # token, which the client would then ask the server for.
        for name in ("planted", "basefile", "filelink"):
            with open(os.path.join(cls.planted, f"{name}-1.0-py3-none-any.whl.metadata"), "w") as f:
                f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nRequires-Dist: {TOKEN}\n")
        cls.log = os.path.join(cls.root, "requests.log")
        cls.server = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--log", cls.log, "--planted", cls.planted],
                                      stdout=subprocess.PIPE, text=True)
        ports = cls.server.stdout.readline().split()
        cls.port, cls.alt_port = int(ports[0]), int(ports[1])
        cls.index = f"http://127.0.0.1:{cls.port}/simple"

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()
        cls.server.stdout.close()
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="run-", dir=self.root)
        for d in ("cache", "home", "tmpdir", "work", "out"):
            os.makedirs(os.path.join(self.tmp, d))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def requests(self):
        with open(self.log) as f:
            return f.read()

    def resolve(self, project, index=None, extra=()):
        """Runs resolve on `project`; returns (exit code, stdout, stderr, wall s, peak RSS MB)."""
        reqs = os.path.join(self.tmp, "out", "reqs.in")
        with open(reqs, "w") as f:
            f.write(project + "\n")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(self.tmp, "home"),
               "TMPDIR": os.path.join(self.tmp, "tmpdir"), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        argv = [RESOLVE, reqs, "--no-header", "-i", index or self.index, "--cache-dir", os.path.join(self.tmp, "cache"),
                *TARGET, *extra]
        out_path, err_path = os.path.join(self.tmp, "out", "stdout"), os.path.join(self.tmp, "out", "stderr")
        start = time.monotonic()
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                    cwd=os.path.join(self.tmp, "work"))
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:
                proc.kill()
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        with open(out_path) as f:
            stdout = f.read()
        with open(err_path) as f:
            stderr = f.read()
        self.check_bounds(project, proc.returncode, stderr, wall, usage.ru_maxrss / 1024)
        return proc.returncode, stdout, stderr

    def check_bounds(self, project, code, stderr, wall, rss_mb):
        print(f"  {project}: exit {code}, {wall:.1f} s, {rss_mb:.0f} MB", file=sys.stderr)
        self.assertGreaterEqual(code, 0, f"killed by signal {-code}: {stderr[-2000:]}")
        self.assertNotIn(code, (134, 139), stderr[-2000:])
        self.assertLess(wall, WALL_S, stderr[-2000:])
        self.assertLess(rss_mb, RSS_MB, stderr[-2000:])
        # Nothing written outside the cache folder (the run's inputs and outputs are ours).
        for d in ("home", "tmpdir", "work"):
            for _, dirs, files in os.walk(os.path.join(self.tmp, d)):
                self.assertEqual(dirs + files, [], f"{d} was written to")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["cache", "home", "out", "tmpdir", "work"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "out"))), ["reqs.in", "stderr", "stdout"])
        self.assertEqual(sorted(os.listdir(self.root)), sorted(["planted", "requests.log", os.path.basename(self.tmp)]))
        for _, _, files in os.walk(os.path.join(self.tmp, "cache")):
            for f in files:
                self.assertNotIn("evil", f)
        # No local content came back: the planted requirement was never asked for.
        self.assertNotIn(TOKEN, self.requests())

    def expect_error(self, project, *needles, extra=()):
        code, stdout, stderr = self.resolve(project, extra=extra)
        self.assertEqual(code, 2, stderr[-2000:])
        self.assertIn(f"{self.index}/{project}/", stderr)
        for needle in needles:
            self.assertRegex(stderr, needle)
        self.assertEqual(stdout, "")

    # --- the valid part ----------------------------------------------------------------

    def test_good(self):
        code, stdout, stderr = self.resolve("good")
        self.assertEqual(code, 0, stderr)
        self.assertEqual(stdout.splitlines()[0], "good==2.0")

    # --- responses without limits --------------------------------------------------------

    def test_endless_body(self):
        self.expect_error("endless", "larger than the limit")

    def test_gzip_bomb(self):
        self.expect_error("gzipbomb", "larger than the limit")

    def test_drip(self):
        self.expect_error("drip", "bytes/s over")

    def test_limits_are_settable(self):
        # The good project's page is a few hundred bytes: a 100-byte cap refuses it.
        self.expect_error("good", "(larger than|over) the limit of 100 bytes", extra=["--max-response-size", "100"])
        start = time.monotonic()
        self.expect_error("drip", "limits: 2 s", extra=["--http-timeout", "2"])
        self.assertLess(time.monotonic() - start, 20)

    def test_huge_headers(self):
        self.expect_error("bigheaders", "headers are larger")

    def test_lying_content_length(self):
        self.expect_error("liarlength", "declares a length")
        self.expect_error("shortlength")

    # --- redirects -----------------------------------------------------------------------

    def test_redirect_to_file(self):
        self.expect_error("redirfile", "(?i)file")

    def test_redirect_loop(self):
        self.expect_error("redirloop", "(?i)redirect")

    # --- pages that point at local files or at other paths ------------------------------

    def test_file_link(self):
        self.expect_error("filelink", "file://")

    def test_base_href_file(self):
        self.expect_error("basefile", "file://")

    def test_traversal_filename_json(self):
        self.expect_error("traversal", "path separator")

    def test_traversal_filename_html(self):
        self.expect_error("traversalhtml", "path separator")

    def test_deep_html(self):
        self.expect_error("deephtml", "nest deeper")

    # --- credentials ---------------------------------------------------------------------

    def test_credentials_stay_with_their_origin(self):
        index = f"http://user:secret@127.0.0.1:{self.port}/simple"
        code, stdout, stderr = self.resolve("crossorigin", index=index)
        self.assertEqual(code, 0, stderr)
        self.assertEqual(stdout.splitlines()[0], "crossorigin==1.0")
        lines = [line.split("\t") for line in self.requests().splitlines()]
        alt = [line for line in lines if line[0] == str(self.alt_port)]
        self.assertTrue(alt, "the file was not fetched from the other origin")
        self.assertEqual({line[3] for line in alt}, {"no"})
        self.assertNotIn("secret", "".join(line[4] for line in alt))
        # Control: the index's own origin does get them.
        page = [line for line in lines if line[0] == str(self.port) and line[2] == "/simple/crossorigin/"]
        self.assertEqual(page[-1][3], "yes")
        self.assertNotIn("secret", stderr + stdout)

    # --- a local index that is not there ----------------------------------------------------

    def test_missing_file_index_is_an_error_naming_it(self):
        missing = os.path.join(self.tmp, "out", "no-such-index", "simple")
        code, stdout, stderr = self.resolve("good", index="file://" + missing)
        self.assertEqual(code, 2, stderr)
        self.assertIn(missing, stderr)

    # --- metadata --------------------------------------------------------------------------

    def test_deep_marker_makes_that_version_unusable(self):
        code, stdout, stderr = self.resolve("deepmarker")
        self.assertIn(code, (0, 2), stderr[-2000:])
        if code == 0:
            self.assertEqual(stdout.splitlines()[0], "deepmarker==1.0")
        self.assertNotIn("/simple/leaked-deepmarker/", self.requests())

    def test_metadata_of_another_project_is_not_used(self):
        code, stdout, stderr = self.resolve("wrongname")
        self.assertIn(code, (0, 1, 2), stderr[-2000:])
        self.assertNotIn("leaked-wrongname", stdout)
        self.assertNotIn("/simple/leaked-wrongname/", self.requests())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]], verbosity=2)
