#!/usr/bin/python3
"""End-to-end tests of the `resolve` binary against file:// and nginx-served make-index trees.

usage: resolve_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR [unittest args...]

BIN_DIR holds resolve, resolve-mimalloc, resolve-jemalloc and make-index. Fixture trees
(built once with make-index from the bundled snapshot or from small universes) live in
FIXTURE_DIR. Every run gets its own cache directory; nothing outside the temp dirs and
FIXTURE_DIR is written.
"""
import json
import os
import pty
import re
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import unittest

BIN, SRC, FIXTURES = (os.path.abspath(a) for a in sys.argv[1:4])
RESOLVE = os.path.join(BIN, "resolve")
MAKE_INDEX = os.path.join(BIN, "make-index")
NGINX_SH = os.path.join(SRC, "tests", "servers", "nginx.sh")
UV_COMPILED = os.path.join(SRC, "data", "uv-requirements", "compiled")
TARGET = ["--python-version", "3.11", "--python-platform", "linux"]

UNIVERSE = {"packages": {
    "app": {"1.0": {"requires_dist": ["lib>=1"]},
            "2.0": {"requires_dist": ["lib>=2", "speed; extra == 'fast'"]}},
    "lib": {"1.0": {}, "2.0": {}, "3.0": {}},
    "speed": {"1.0": {"requires_dist": ["lib"]}},
    "left": {"1.0": {"requires_dist": ["lib<2"]}},
    "right": {"1.0": {"requires_dist": ["lib>=3"]}},
    "beta": {"1.0": {}, "2.0b1": {}},
    "srconly": {"1.0": {"wheels": [], "sdist": True}},
    "winonly": {"1.0": {"wheels": ["winonly-1.0-cp311-cp311-win_amd64.whl"]}},
}}
# Forks by platform, markers to carry, a version only newer Pythons can take, and a project with
# Windows wheels only (--universal).
FORK_UNIVERSE = {"packages": {
    "app": {"1.0": {"requires_dist": ["lib<2 ; sys_platform == 'win32'", "lib>=2 ; sys_platform != 'win32'",
                                      "colorama ; os_name == 'nt'", "tomli ; python_version < '3.11'"]}},
    "lib": {"1.0": {}, "2.0": {}, "3.0": {"requires_python": ">=3.10"}},
    "colorama": {"1.0": {}},
    "tomli": {"1.0": {}},
    "winonly": {"1.0": {"wheels": ["winonly-1.0-cp39-cp39-win_amd64.whl"]}},
}}
# A second index with a project the first one lacks (--extra-index-url).
EXTRA_UNIVERSE = {"packages": {"extra-only": {"0.5": {"requires_dist": ["lib<3"]}}}}


def read(path):
    with open(path) as f:
        return f.read()


def build_index(name, *make_index_args, key=""):
    """A make-index tree under FIXTURES, built once (re-used while its inputs are unchanged)."""
    out = os.path.join(FIXTURES, name)
    stamp = os.path.join(out, ".args")
    wanted = json.dumps([make_index_args, key])
    if os.path.exists(stamp) and read(stamp) == wanted:
        return out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(FIXTURES, exist_ok=True)
    subprocess.run([MAKE_INDEX, "-q", *make_index_args, "--out", out], check=True)
    with open(stamp, "w") as f:
        f.write(wanted)
    return out


def snapshot_tree():
    """The snapshot closure of black.in and jupyter.in, one tree shared by every preset."""
    out = subprocess.run([os.path.join(SRC, "tests", "support", "snapshot_tree.sh"), MAKE_INDEX],
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip()


def universe_index(name, universe):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name + ".json")
    text = json.dumps(universe, sort_keys=True)
    if not os.path.exists(path) or read(path) != text:
        with open(path, "w") as f:
            f.write(text)
    return build_index(name, "--universe", path, key=text)  # a changed universe re-builds the tree


def file_url(tree):
    return "file://" + os.path.join(tree, "simple")


class nginx:
    def __init__(self, tree):
        self.state = tempfile.mkdtemp(prefix="pyresolve-cli-nginx-")
        out = subprocess.run(["bash", NGINX_SH, "start", tree, self.state], check=True, capture_output=True,
                             text=True).stdout.split()
        self.url = f"http://127.0.0.1:{out[0]}/simple"

    def requests(self):
        path = os.path.join(self.state, "access.log")
        return len(read(path).splitlines()) if os.path.exists(path) else 0

    def stop(self):
        subprocess.run(["bash", NGINX_SH, "stop", self.state], check=False)
        shutil.rmtree(self.state, ignore_errors=True)


def run_in_pty(args, env, cwd):
    """Runs with stderr on a terminal; returns (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk and proc.poll() is not None:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode()
    proc.stdout.close()
    proc.wait()
    os.close(master)
    return proc.returncode, out, seen.decode(errors="replace")


def parse_requirements_txt(text):
    """[(name, version, [via...])] and the shape of every line, for structural comparison."""
    pins, shapes = [], []
    for line in text.splitlines():
        if line.startswith("# This file was autogenerated by"):
            shapes.append("header")
        elif line.startswith("#    "):
            shapes.append("command")
        elif re.fullmatch(r"[a-z0-9][a-z0-9.\-]*(\[[a-z0-9,\-]+\])?==\S+( ; .+)?", line):
            shapes.append("pin")
            name = re.split(r"[\[=]", line, maxsplit=1)[0]
            pins.append((name, line.split("==")[1].split(" ")[0], []))
        elif line.startswith("    # via "):
            shapes.append("via-one")
            pins[-1][2].append(line[len("    # via "):])
        elif line == "    # via":
            shapes.append("via-open")
        elif line.startswith("    #   "):
            assert shapes[-1] in ("via-open", "via-item"), line
            shapes.append("via-item")
            pins[-1][2].append(line[len("    #   "):])
        else:
            shapes.append("other:" + line)
    return pins, shapes


class resolve_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.uni = universe_index("cli-universe", UNIVERSE)
        cls.extra = universe_index("cli-universe-extra", EXTRA_UNIVERSE)
        cls.black = snapshot_tree()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyresolve-cli-")
        self.cache = os.path.join(self.tmp, "cache")

    def tearDown(self):
        for root, dirs, _ in os.walk(self.tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYRESOLVE_") and k != "NO_COLOR"}
        env.update(extra)
        return env

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def resolve(self, *args, index=None, stdin=None, env=None, cache=True, target=True, exe=RESOLVE):
        argv = [exe, *args]
        if index is not None:
            argv += ["-i", index]
        if cache:
            argv += ["--cache-dir", self.cache]
        if target:
            argv += TARGET
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env or self.env(), cwd=self.tmp,
                              timeout=600)

    def ok(self, *args, **kw):
        out = self.resolve(*args, **kw)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out

    def pins(self, text):
        return {name: version for name, version, _ in parse_requirements_txt(text)[0]}

    # --- output shape -------------------------------------------------------------------

    def test_header_pins_and_split_annotations(self):
        self.write("reqs.in", "app[fast]\n-r more.in\n")
        self.write("more.in", "lib\n")
        out = self.ok("reqs.in", index=file_url(self.uni))
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "# This file was autogenerated by pyresolve via the following command:")
        self.assertEqual(lines[1], "#    resolve reqs.in -i " + file_url(self.uni) + " --cache-dir " + self.cache + " " +
                         " ".join(TARGET))
        self.assertEqual(lines[2:], [
            "app[fast]==2.0", "    # via -r reqs.in",
            "lib==3.0", "    # via", "    #   -r more.in", "    #   app", "    #   speed",
            "speed==1.0", "    # via app",
        ])

    def test_annotation_style_line_no_header_no_annotate(self):
        self.write("reqs.in", "app\nlib\n")
        out = self.ok("reqs.in", "--annotation-style", "line", "--no-header", index=file_url(self.uni))
        self.assertEqual(out.stdout, "app==2.0  # via -r reqs.in\nlib==3.0  # via -r reqs.in, app\n")
        out = self.ok("reqs.in", "--no-annotate", index=file_url(self.uni))
        self.assertEqual(out.stdout.splitlines()[2:], ["app==2.0", "lib==3.0"])
        out = self.ok("reqs.in", "--no-annotate", "--no-header", index=file_url(self.uni))
        self.assertEqual(out.stdout, "app==2.0\nlib==3.0\n")

    def test_markers_kept_where_the_input_had_them(self):
        self.write("reqs.in", "app\nbeta ; python_version >= '3.8'\nlib ; os_name == 'posix'\n")
        out = self.ok("reqs.in", "--no-header", "--no-annotate", index=file_url(self.uni))
        # lib is also required by app without a marker: its pin must not be conditional.
        self.assertEqual(out.stdout, 'app==2.0\nbeta==1.0 ; python_version >= "3.8"\nlib==3.0\n')

    def test_emit_index_url(self):
        self.write("reqs.in", "app\nextra-only\n")
        out = self.ok("reqs.in", "--emit-index-url", "--no-header", "--extra-index-url", file_url(self.extra),
                      index=file_url(self.uni))
        self.assertTrue(out.stdout.startswith(
            f"--index-url {file_url(self.uni)}\n--extra-index-url {file_url(self.extra)}\n\n"), out.stdout)
        self.assertEqual(self.pins(out.stdout), {"app": "2.0", "extra-only": "0.5", "lib": "2.0"})

    def test_generate_hashes(self):
        self.write("reqs.in", "lib\n")
        out = self.ok("reqs.in", "--generate-hashes", "--no-header", index=file_url(self.uni))
        page = json.loads(read(os.path.join(self.uni, "simple", "lib", "index.json")))
        want = sorted({f["hashes"]["sha256"] for f in page["files"] if "-3.0" in f["filename"]})
        self.assertTrue(want)
        self.assertEqual(out.stdout, "lib==3.0 \\\n" + " \\\n".join("    --hash=sha256:" + h for h in want) +
                         "\n    # via -r reqs.in\n")
        # One-line annotations go on a line of their own after the hashes, as uv writes them.
        out = self.ok("reqs.in", "--generate-hashes", "--no-header", "--annotation-style", "line",
                      index=file_url(self.uni))
        self.assertTrue(out.stdout.endswith(want[-1] + "\n    # via -r reqs.in\n"), out.stdout)

    def test_generate_hashes_without_hashes_in_the_index_fails(self):
        tree = os.path.join(self.tmp, "nohash")
        os.makedirs(os.path.join(tree, "simple", "nohash"))
        os.makedirs(os.path.join(tree, "files"))
        with open(os.path.join(tree, "simple", "nohash", "index.html"), "w") as f:
            f.write('<html><body><a href="../../files/nohash-1.0-py3-none-any.whl" data-core-metadata="true">'
                    'nohash-1.0-py3-none-any.whl</a></body></html>\n')
        with open(os.path.join(tree, "files", "nohash-1.0-py3-none-any.whl.metadata"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: nohash\nVersion: 1.0\n")
        self.write("reqs.in", "nohash\n")
        self.ok("reqs.in", index="file://" + tree + "/simple")
        out = self.resolve("reqs.in", "--generate-hashes", "-o", "out.txt", index="file://" + tree + "/simple")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("nohash==1.0", out.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))

    def test_uv_shape_black(self):
        """The structure of uv's black.txt (newer data, same .in): same packages, same parents."""
        shutil.copy(os.path.join(SRC, "data", "uv-requirements", "black.in"), self.tmp)
        # uv compiled it for a Python before 3.10 (tomli and typing-extensions are in it).
        out = self.resolve("black.in", "--python-version", "3.9", "--python-platform", "linux",
                           index=file_url(self.black), target=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        ours, our_shapes = parse_requirements_txt(out.stdout)
        with open(os.path.join(UV_COMPILED, "black.txt")) as f:
            theirs, their_shapes = parse_requirements_txt(f.read())
        self.assertFalse([s for s in our_shapes if s.startswith("other")])
        self.assertEqual([n for n, _, _ in ours], sorted(n for n, _, _ in ours))
        # The snapshot's newest black is 22.8.0, which did not depend on packaging yet (23.1 does).
        self.assertEqual([n for n, _, _ in ours], [n for n, _, _ in theirs if n != "packaging"])
        theirs = [t for t in theirs if t[0] != "packaging"]
        # uv of that date wrote no `-r` for direct requirements; current uv does, and so do we.
        self.assertEqual({n: [v for v in via if not v.startswith("-r ")] for n, _, via in ours},
                         {n: via for n, _, via in theirs})
        self.assertEqual(dict((n, via) for n, _, via in ours)["black"], ["-r black.in"])

    # --- formats ------------------------------------------------------------------------

    def test_pylock_toml(self):
        self.write("reqs.in", "app[fast]\n")
        out = self.ok("reqs.in", "--format", "pylock.toml", "-o", "pylock.toml", index=file_url(self.uni))
        self.assertEqual(out.stdout, "")
        doc = tomllib.loads(read(os.path.join(self.tmp, "pylock.toml")))
        self.assertEqual(doc["lock-version"], "1.0")
        self.assertEqual(doc["created-by"], "pyresolve")
        self.assertEqual(doc["requires-python"], ">=3.11")
        self.assertEqual({p["name"]: p["version"] for p in doc["packages"]}, {"app": "2.0", "lib": "3.0", "speed": "1.0"})
        page = json.loads(read(os.path.join(self.uni, "simple", "app", "index.json")))
        files = {f["filename"]: f for f in page["files"]}
        for package in doc["packages"]:
            self.assertEqual(package["index"], file_url(self.uni))
            self.assertTrue(package["wheels"])
            for wheel in package["wheels"]:
                self.assertTrue(wheel["url"].startswith("file://"), wheel)
                self.assertRegex(wheel["hashes"]["sha256"], "^[0-9a-f]{64}$")
                if wheel["name"] in files:
                    self.assertEqual(wheel["hashes"]["sha256"], files[wheel["name"]]["hashes"]["sha256"])
        # Re-running with the lock as output keeps its pins (read back from the TOML).
        self.ok("reqs.in", "--format", "pylock.toml", "-o", "pylock.toml", index=file_url(self.uni))
        self.assertEqual(tomllib.loads(read(os.path.join(self.tmp, "pylock.toml"))), doc)

    def test_universal_markers_threads_and_formats(self):
        tree = universe_index("cli-universe-fork", FORK_UNIVERSE)
        self.write("reqs.in", "app\nwinonly ; sys_platform == 'win32'\n")
        args = ["reqs.in", "--universal", "--python-version", "3.9", "--no-header"]
        outs = [self.ok(*args, "--threads", n, index=file_url(tree), target=False).stdout for n in ("1", "2", "8")]
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0], outs[2])
        self.assertEqual(outs[0].splitlines(), [
            "app==1.0", "    # via -r reqs.in",
            "colorama==1.0 ; os_name == 'nt'", "    # via app",
            "lib==1.0 ; sys_platform == 'win32'", "    # via app",
            # 3.0 needs Python 3.10 and the universe starts at 3.9: the Python range splits.
            "lib==2.0 ; python_full_version < '3.10' and sys_platform != 'win32'", "    # via app",
            "lib==3.0 ; python_full_version >= '3.10' and sys_platform != 'win32'", "    # via app",
            "tomli==1.0 ; python_full_version < '3.11'", "    # via app",
            "winonly==1.0 ; sys_platform == 'win32'", "    # via -r reqs.in",
        ])
        # From 3.10 up, lib 3.0 serves every Python.
        out = self.ok("reqs.in", "--universal", "--python-version", "3.10", "--no-header", "--no-annotate",
                      index=file_url(tree), target=False)
        self.assertIn("lib==3.0 ; sys_platform != 'win32'", out.stdout.splitlines())
        report = json.loads(self.ok(*args, "--format", "json", index=file_url(tree), target=False).stdout)
        self.assertEqual(report["universal"], {"requires_python": ">=3.9"})
        self.assertEqual({(p["name"], p["version"]): p["marker"] for p in report["packages"]}, {
            ("app", "1.0"): None, ("colorama", "1.0"): "os_name == 'nt'",
            ("lib", "1.0"): "sys_platform == 'win32'",
            ("lib", "2.0"): "python_full_version < '3.10' and sys_platform != 'win32'",
            ("lib", "3.0"): "python_full_version >= '3.10' and sys_platform != 'win32'",
            ("tomli", "1.0"): "python_full_version < '3.11'", ("winonly", "1.0"): "sys_platform == 'win32'"})
        self.ok(*args, "--format", "pylock.toml", "-o", "pylock.toml", index=file_url(tree), target=False)
        doc = tomllib.loads(read(os.path.join(self.tmp, "pylock.toml")))
        self.assertEqual(doc["requires-python"], ">=3.9")
        self.assertEqual({(p["name"], p["version"]): p.get("marker") for p in doc["packages"]},
                         {k: v for k, v in {(p["name"], p["version"]): p["marker"]
                                            for p in report["packages"]}.items()})
        # An existing universal file's pins are preferred where their markers hold: lib 2.0 on
        # Python 3.10 and later stays (3.0 would be newer), lib 1.0 on Windows too.
        self.write("pinned.txt", "lib==1.0 ; sys_platform == 'win32'\n"
                                 "lib==2.0 ; sys_platform != 'win32'\n")
        out = self.ok("reqs.in", "--universal", "--python-version", "3.9", "--no-header", "--no-annotate",
                      "-o", "pinned.txt", index=file_url(tree), target=False)
        lines = read(os.path.join(self.tmp, "pinned.txt")).splitlines()
        self.assertIn("lib==1.0 ; sys_platform == 'win32'", lines)
        self.assertIn("lib==2.0 ; sys_platform != 'win32'", lines)
        self.assertFalse(any(line.startswith("lib==3.0") for line in lines), lines)
        # Linux has no wheel of winonly; a universal answer installs it where a wheel fits.
        self.write("win.in", "winonly\n")
        self.assertEqual(self.resolve("win.in", index=file_url(tree)).returncode, 1)
        out = self.ok("win.in", "--universal", "--python-version", "3.9", "--no-header", "--no-annotate",
                      index=file_url(tree), target=False)
        self.assertEqual(out.stdout, "winonly==1.0\n")

    def test_json_report_schema(self):
        self.write("reqs.in", "app\n")
        out = self.ok("reqs.in", "--format", "json", index=file_url(self.uni))
        doc = json.loads(out.stdout)
        self.assertEqual(set(doc), {"schema", "created_by", "command", "python_version", "python_platform", "indexes",
                                    "allocator", "packages", "timings_ms"})
        self.assertEqual(doc["schema"], 1)
        self.assertEqual(doc["indexes"], [file_url(self.uni)])
        self.assertEqual(doc["python_version"], "3.11")
        self.assertEqual(doc["allocator"], "system")
        self.assertTrue(doc["command"].startswith("resolve reqs.in"))
        by_name = {p["name"]: p for p in doc["packages"]}
        self.assertEqual(set(by_name), {"app", "lib"})
        for p in doc["packages"]:
            self.assertEqual(set(p), {"name", "version", "extras", "parents", "requested_by", "marker", "index", "source",
                                      "files"})
            self.assertIsNone(p["source"])  # from the index
            self.assertEqual(p["index"], file_url(self.uni))
            for f in p["files"]:
                self.assertEqual(set(f), {"filename", "url", "sha256"})
        self.assertEqual(by_name["lib"]["parents"], ["app"])
        self.assertEqual(by_name["app"]["requested_by"], ["-r reqs.in"])
        for key in ("read_inputs", "cache_open", "resolve", "solve", "total"):
            self.assertGreaterEqual(doc["timings_ms"][key], 0.0)

    # --- the output file ----------------------------------------------------------------

    def test_output_file_rerun_is_idempotent_and_keeps_pins(self):
        self.write("reqs.in", "app\n")
        # An existing pin file that pins lib to 2.0: kept, although 3.0 is newer.
        self.write("out.txt", "app==2.0\nlib==2.0\n")
        self.ok("reqs.in", "-o", "out.txt", index=file_url(self.uni))
        first = read(os.path.join(self.tmp, "out.txt"))
        self.assertEqual(self.pins(first), {"app": "2.0", "lib": "2.0"})
        self.ok("reqs.in", "-o", "out.txt", index=file_url(self.uni))
        self.assertEqual(read(os.path.join(self.tmp, "out.txt")), first)
        # -P lib lets lib move, -U lets everything move.
        self.ok("reqs.in", "-o", "out.txt", "-P", "lib", index=file_url(self.uni))
        self.assertEqual(self.pins(read(os.path.join(self.tmp, "out.txt"))), {"app": "2.0", "lib": "3.0"})
        self.write("out.txt", "app==1.0\nlib==1.0\n")
        self.ok("reqs.in", "-o", "out.txt", "--upgrade-package", "app", index=file_url(self.uni))
        self.assertEqual(self.pins(read(os.path.join(self.tmp, "out.txt"))), {"app": "2.0", "lib": "3.0"})
        self.write("out.txt", "app==1.0\nlib==1.0\n")
        self.ok("reqs.in", "-o", "out.txt", "-U", index=file_url(self.uni))
        self.assertEqual(self.pins(read(os.path.join(self.tmp, "out.txt"))), {"app": "2.0", "lib": "3.0"})
        self.assertEqual(sorted(os.listdir(self.tmp)), ["cache", "out.txt", "reqs.in"])  # no temp file left

    def test_output_dash_is_standard_output(self):
        self.write("reqs.in", "app\n")
        out = self.ok("reqs.in", "-o", "-", "--no-header", "--no-annotate", index=file_url(self.uni))
        self.assertEqual(out.stdout, "app==2.0\nlib==3.0\n")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "-")))

    def test_output_to_a_device(self):
        self.write("reqs.in", "app\n")
        out = self.ok("reqs.in", "--no-header", "-o", "/dev/stdout", index=file_url(self.uni))
        self.assertEqual(self.pins(out.stdout), {"app": "2.0", "lib": "3.0"})
        self.ok("reqs.in", "-o", "/dev/null", index=file_url(self.uni))
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_unwritable_output(self):
        self.write("reqs.in", "app\n")
        self.write("plain", "x")
        out = self.resolve("reqs.in", "-o", "plain/out.txt", index=file_url(self.uni))
        self.assertEqual(out.returncode, 2)
        self.assertIn("plain/out.txt", out.stderr)
        self.assertNotIn("Traceback", out.stderr)
        # A directory in the way: the rename fails, nothing half-written is left behind.
        os.mkdir(os.path.join(self.tmp, "outdir"))
        out = self.resolve("reqs.in", "-o", "outdir", index=file_url(self.uni))
        self.assertEqual(out.returncode, 2)
        self.assertIn("outdir", out.stderr)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["cache", "outdir", "plain", "reqs.in"])
        if os.geteuid() != 0:
            self.write("ro/out.txt", "old\n")
            os.chmod(os.path.join(self.tmp, "ro"), 0o555)
            out = self.resolve("reqs.in", "-o", "ro/out.txt", index=file_url(self.uni))
            self.assertEqual(out.returncode, 2)
            self.assertEqual(read(os.path.join(self.tmp, "ro", "out.txt")), "old\n")

    # --- sources ------------------------------------------------------------------------

    def test_stdin_source(self):
        out = self.ok("-", "--no-header", stdin="app\n", index=file_url(self.uni))
        self.assertEqual(out.stdout, "app==2.0\n    # via -r -\nlib==3.0\n    # via app\n")

    def test_pyproject_extras(self):
        self.write("pyproject.toml", '[project]\nname = "demo"\ndependencies = ["app"]\n'
                                     '[project.optional-dependencies]\nfast = ["app[fast]"]\nold = ["beta<2"]\n')
        out = self.ok("pyproject.toml", "--no-header", index=file_url(self.uni))
        self.assertEqual(out.stdout, "app==2.0\n    # via demo (pyproject.toml)\nlib==3.0\n    # via app\n")
        out = self.ok("pyproject.toml", "--extra", "fast", index=file_url(self.uni))
        self.assertEqual(set(self.pins(out.stdout)), {"app", "lib", "speed"})
        out = self.ok("pyproject.toml", "--all-extras", index=file_url(self.uni))
        self.assertEqual(set(self.pins(out.stdout)), {"app", "beta", "lib", "speed"})
        for extras in (["--extra", "fast,old"], ["--extra", "fast", "--extra", "old"]):
            out = self.ok("pyproject.toml", *extras, index=file_url(self.uni))
            self.assertEqual(set(self.pins(out.stdout)), {"app", "beta", "lib", "speed"})
        out = self.resolve("pyproject.toml", "--extra", "nope", index=file_url(self.uni))
        self.assertEqual(out.returncode, 2)
        self.assertIn("nope", out.stderr)

    def test_constraints_and_overrides(self):
        self.write("reqs.in", "app\n")
        self.write("c.txt", "lib<3\n")
        self.write("o.txt", "lib==1.0\n")
        self.assertEqual(self.pins(self.ok("reqs.in", "-c", "c.txt", index=file_url(self.uni)).stdout),
                         {"app": "2.0", "lib": "2.0"})
        self.assertEqual(self.pins(self.ok("reqs.in", "--override", "o.txt", index=file_url(self.uni)).stdout),
                         {"app": "2.0", "lib": "1.0"})

    # --- resolution flags ---------------------------------------------------------------

    def test_resolution_prerelease_binary_and_platform_flags(self):
        self.write("reqs.in", "app\n")
        self.assertEqual(self.pins(self.ok("reqs.in", "--resolution", "lowest", index=file_url(self.uni)).stdout),
                         {"app": "1.0", "lib": "1.0"})
        self.assertEqual(self.pins(self.ok("reqs.in", "--resolution", "lowest-direct", index=file_url(self.uni)).stdout),
                         {"app": "1.0", "lib": "3.0"})
        self.write("beta.in", "beta\n")
        self.assertEqual(self.pins(self.ok("beta.in", index=file_url(self.uni)).stdout), {"beta": "1.0"})
        self.assertEqual(self.pins(self.ok("beta.in", "--prerelease", "allow", index=file_url(self.uni)).stdout),
                         {"beta": "2.0b1"})
        self.write("src.in", "srconly\n")
        self.ok("src.in", index=file_url(self.uni))
        out = self.resolve("src.in", "--only-binary", ":all:", index=file_url(self.uni))
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("srconly", out.stderr)
        out = self.resolve("reqs.in", "--no-binary", "app", index=file_url(self.uni))
        self.assertEqual(out.returncode, 1, out.stderr)
        self.write("win.in", "winonly\n")
        self.assertEqual(self.resolve("win.in", index=file_url(self.uni)).returncode, 1)
        out = self.resolve("win.in", "--python-version", "3.11", "--python-platform", "windows", target=False,
                           index=file_url(self.uni))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.pins(out.stdout), {"winonly": "1.0"})

    def test_python_version_from_python3_on_path(self):
        self.write("reqs.in", "app\n")
        out = self.resolve("reqs.in", "-v", "--no-progress", index=file_url(self.uni), target=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stderr, r"target: Python \d+\.\d+\.\d+ on \S+ \(from python3 on PATH\)")
        # No python3 on PATH: the default, said with -v.
        out = self.resolve("reqs.in", "-v", index=file_url(self.uni), target=False, env=self.env(PATH="/nonexistent"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("target: Python 3.11 on linux (default (no python3 on PATH))", out.stderr)
        out = self.resolve("reqs.in", "--python-version", "three", index=file_url(self.uni), target=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("three", out.stderr)

    def test_optional_libraries_are_found_beside_the_program(self):
        # The index's libraries come from a library of ours that resolve opens when it first
        # fetches or parses, from bin/../lib: a warm run never maps it. A copy of the program
        # without that directory still resolves from the cache, and says what is missing when
        # it must read the index.
        self.write("reqs.in", "app\n")
        self.ok("reqs.in", index=file_url(self.uni))  # fills the cache
        alone = os.path.join(self.tmp, "alone", "bin")
        os.makedirs(alone)
        shutil.copy(RESOLVE, alone)
        # In a shared build (BUILD_SHARED_LIBS) the copy takes the modules' libraries along.
        for name in ("support", "packaging", "index", "cache", "resolver"):
            library = os.path.join(os.path.dirname(RESOLVE), "../lib", f"libpyresolve_{name}.so")
            if os.path.exists(library):
                os.makedirs(os.path.join(alone, "../lib"), exist_ok=True)
                shutil.copy(library, os.path.join(alone, "../lib"))
        copy = os.path.join(alone, "resolve")
        warm = self.resolve("reqs.in", "--offline", "--no-header", index=file_url(self.uni), exe=copy)
        self.assertEqual(warm.returncode, 0, warm.stderr)
        cold = self.resolve("reqs.in", "--no-cache", index=file_url(self.uni), cache=False, exe=copy)
        self.assertEqual(cold.returncode, 2, cold.stderr)
        self.assertIn("cannot load the index's I/O library: libpyresolve_index_io.so is in none of", cold.stderr)
        self.assertIn(os.path.join(alone, "../lib"), cold.stderr)

    def test_threads_allocator_verbose_quiet(self):
        self.write("reqs.in", "app\n")
        base = self.ok("reqs.in", "--no-header", index=file_url(self.uni)).stdout
        for extra in (["--threads", "1"], ["--threads", "2"], ["--allocator", "arena"], ["--allocator", "mimalloc"],
                      ["--allocator", "pool-std"], ["--allocator", "pool-boost"], ["--allocator", "tbbmalloc"]):
            self.assertEqual(self.ok("reqs.in", "--no-header", *extra, index=file_url(self.uni)).stdout, base, extra)
        # jemalloc's copy is opened late, which its initial-exec TLS allows only with glibc's
        # static TLS reserve raised: with it the strategy runs, and gives the same answer.
        out = self.ok("reqs.in", "-v", "--no-header", "--allocator", "jemalloc", index=file_url(self.uni),
                      env=self.env(GLIBC_TUNABLES="glibc.malloc.tcache_count=7:glibc.rtld.optional_static_tls=4096"))
        self.assertIn("allocator: jemalloc", out.stderr)
        self.assertEqual(out.stdout, base)
        # Without it (or with too small a reserve) exit 2, and the error says what to do.
        for tunables in (None, "glibc.rtld.optional_static_tls=0"):
            env = self.env()
            env.pop("GLIBC_TUNABLES", None)
            if tunables:
                env["GLIBC_TUNABLES"] = tunables
            out = self.resolve("reqs.in", "--allocator", "jemalloc", index=file_url(self.uni), env=env)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn("cannot allocate memory in static TLS block", out.stderr)
            self.assertIn("GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096", out.stderr)
        out = self.ok("reqs.in", "-v", "--allocator", "arena", index=file_url(self.uni))
        self.assertIn("allocator: arena", out.stderr)
        for word in ("read_inputs", "target", "read_pins", "cache_open", "resolve", "load_summed_over_workers",
                     "solver_waiting", "solve", "write_output", "network:", "cache:", "provider:"):
            self.assertIn(word, out.stderr)
        # -v counts the injected resource (benches/resolve_bench.py reads this line).
        for strategy in ("arena", "system"):
            out = self.ok("reqs.in", "-v", "--threads", "2", "--allocator", strategy, index=file_url(self.uni))
            m = re.search(r"allocations: (\d+) allocs, (\d+) frees, (\d+) bytes, peak (\d+) bytes, "
                          r"(\d+) cross-thread frees", out.stderr)
            self.assertIsNotNone(m, out.stderr)
            allocs, frees, nbytes, peak, cross = map(int, m.groups())
            self.assertGreater(allocs, 0)
            self.assertLessEqual(frees, allocs)
            self.assertLessEqual(cross, frees)
            self.assertGreater(nbytes, 0)
            self.assertLessEqual(peak, nbytes)
        self.assertNotIn("allocations:", self.ok("reqs.in", index=file_url(self.uni)).stderr)
        out = self.resolve("reqs.in", "--allocator", "bogus", index=file_url(self.uni))
        self.assertEqual(out.returncode, 2)
        self.assertIn("bogus", out.stderr)
        self.assertIn("system", out.stderr)  # the valid names are listed
        self.write("warn.in", "--trusted-host example.com\napp\n")
        self.assertEqual(self.ok("warn.in", "-q", index=file_url(self.uni)).stderr, "")

    @unittest.skipIf(os.environ.get("PYRESOLVE_TEST_SANITIZED"), "sanitizers replace malloc themselves")
    def test_allocator_variants(self):
        self.write("reqs.in", "app\n")
        base = self.ok("reqs.in", "--no-header", index=file_url(self.uni)).stdout
        for variant, heap in (("resolve-mimalloc", "mimalloc"), ("resolve-jemalloc", "jemalloc")):
            out = self.ok("reqs.in", "-v", "--no-header", index=file_url(self.uni), exe=os.path.join(BIN, variant))
            self.assertEqual(out.stdout, base)
            self.assertIn(f"malloc served by {heap}", out.stderr)
        out = self.ok("reqs.in", "-v", index=file_url(self.uni))
        self.assertIn("malloc served by glibc", out.stderr)
        proxy = os.environ.get("PYRESOLVE_TBBMALLOC_PROXY", "/usr/lib/x86_64-linux-gnu/libtbbmalloc_proxy.so.2")
        if os.path.exists(proxy):
            out = self.ok("reqs.in", "-v", "--no-header", index=file_url(self.uni), env=self.env(LD_PRELOAD=proxy))
            self.assertEqual(out.stdout, base)
            self.assertIn("malloc served by tbbmalloc", out.stderr)

    # --- indexes, cache and environment -------------------------------------------------

    def test_a_project_the_index_lacks_gives_the_same_answer_offline(self):
        # Version 2 needs a project the index answers 404 for; version 1 needs nothing.
        tree = universe_index("cli-universe-gone", {"packages": {"keeper": {"1.0": {}, "2.0": {
            "requires_dist": ["gone>=1"]}}}})
        server = nginx(tree)
        try:
            self.write("gone.in", "keeper\n")
            online = self.ok("gone.in", "--no-header", index=server.url)
            self.assertIn("keeper==1.0", online.stdout)
            requests = server.requests()
            offline = self.ok("gone.in", "--no-header", "--offline", index=server.url)
            self.assertEqual(offline.stdout, online.stdout)
            self.assertEqual(server.requests(), requests)
        finally:
            server.stop()

    def test_nginx_cold_warm_offline_refresh(self):
        server = nginx(self.uni)
        try:
            self.write("reqs.in", "app[fast]\n")
            cold = self.ok("reqs.in", "--no-header", index=server.url)
            cold_requests = server.requests()
            self.assertGreater(cold_requests, 0)
            self.assertEqual(cold.stdout, self.ok("reqs.in", "--no-header", index=file_url(self.uni)).stdout)
            warm = self.ok("reqs.in", "--no-header", index=server.url)
            self.assertEqual(warm.stdout, cold.stdout)
            self.assertEqual(server.requests(), cold_requests)  # fresh entries: no request at all
            self.ok("reqs.in", "--offline", index=server.url)
            self.ok("reqs.in", index=server.url, env=self.env(PYRESOLVE_OFFLINE="1"))
            self.assertEqual(server.requests(), cold_requests)
            # --refresh marks entries written before this run (unix seconds) stale.
            time.sleep(1.1)
            self.ok("reqs.in", "--refresh-package", "lib", index=server.url)
            after_one = server.requests()
            self.assertGreater(after_one, cold_requests)
            self.ok("reqs.in", "--refresh", index=server.url)
            self.assertGreater(server.requests() - after_one, after_one - cold_requests)
            # --no-cache: every run asks the server again, and writes nothing.
            before = server.requests()
            self.ok("reqs.in", "--no-cache", index=server.url, cache=False,
                    env=self.env(PYRESOLVE_CACHE_DIR=os.path.join(self.tmp, "nocache")))
            self.assertGreater(server.requests(), before)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "nocache")))
            # The environment names the index and the cache when the flags do not.
            out = self.ok("reqs.in", "--no-header", cache=False,
                          env=self.env(PYRESOLVE_INDEX_URL=server.url, PYRESOLVE_CACHE_DIR=self.cache))
            self.assertEqual(out.stdout, cold.stdout)
            # Credentials in the index URL reach the server but never the output or the log.
            secret_url = server.url.replace("http://", "http://user:s3cret@")
            for fmt in ("requirements.txt", "pylock.toml", "json"):
                out = self.ok("reqs.in", "-v", "--emit-index-url", "--format", fmt, "--refresh", index=secret_url)
                self.assertNotIn("s3cret", out.stdout + out.stderr)
                self.assertIn(server.url, out.stdout)
        finally:
            server.stop()
        # Offline with an empty cache: a clear error naming the project.
        out = self.resolve("reqs.in", "--offline", index=server.url, cache=False,
                           env=self.env(PYRESOLVE_CACHE_DIR=os.path.join(self.tmp, "empty")))
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("offline", out.stderr)
        self.assertIn("'app'", out.stderr)

    def test_no_index(self):
        self.write("reqs.in", "app\n")
        out = self.resolve("reqs.in", "--no-index", index=file_url(self.uni))
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("app", out.stderr)

    def test_cache_commands(self):
        self.write("reqs.in", "app\n")
        self.ok("reqs.in", index=file_url(self.uni))
        out = subprocess.run([RESOLVE, "cache", "dir", "--cache-dir", self.cache], capture_output=True, text=True)
        self.assertEqual((out.returncode, out.stdout), (0, self.cache + "\n"))
        out = subprocess.run([RESOLVE, "cache", "dir", "-v"], capture_output=True, text=True,
                             env=self.env(PYRESOLVE_CACHE_DIR=self.cache))
        self.assertEqual(out.stdout, self.cache + "\n")
        self.assertRegex(out.stderr, r"[1-9]\d* files, \d+\.\d MiB")
        out = subprocess.run([RESOLVE, "cache", "clean", "lib", "--cache-dir", self.cache], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"Removed [1-9]\d* files? from ")
        out = subprocess.run([RESOLVE, "cache", "prune", "--cache-dir", self.cache], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = subprocess.run([RESOLVE, "cache", "clean", "--cache-dir", self.cache], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.resolve("reqs.in", "--offline", index=file_url(self.uni)).returncode, 2)

    # --- errors and exit codes ----------------------------------------------------------

    def test_unsatisfiable_exit_1_with_explanation(self):
        self.write("reqs.in", "left\nright\n")
        out = self.resolve("reqs.in", "-o", "out.txt", index=file_url(self.uni))
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout, "")
        for word in ("left", "right", "lib", "unsatisfiable"):
            self.assertIn(word, out.stderr)
        self.assertNotIn("\x1b[", out.stderr)  # not a terminal: no colour
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))

    def test_bad_inputs_exit_2(self):
        self.write("bad.in", "app\nlib >= = 2\n")
        self.write("url.in", "app @ http://127.0.0.1:9/app-1.0-py3-none-any.whl\n")
        self.write("edit.in", "-e ./src/app\n")
        self.write("dir.in/placeholder", "")
        self.write("app.in", "app\n")
        cases = [
            (["url.in"], "url.in:1: 'http://127.0.0.1:9/app-1.0-py3-none-any.whl'"),
            (["edit.in"], "edit.in:1: './src/app': "),
            (["dir.in"], "dir.in"),
            (["app.in", "--python-platform", "solaris"], "solaris"),
            (["bad.in", "--threads", "-3"], "--threads"),
            (["missing.in"], "missing.in"),
            (["bad.in"], "bad.in:2:"),
            (["bad.in", "--frobnicate"], "--frobnicate"),
            (["bad.in", "--format", "yaml"], "yaml"),
            ([], "no source file"),
        ]
        for args, needle in cases:
            out = self.resolve(*args, index=file_url(self.uni), target=False)
            self.assertEqual(out.returncode, 2, (args, out.stderr))
            self.assertIn(needle, out.stderr)
            self.assertTrue(out.stderr.startswith("error: "), out.stderr)
            self.assertEqual(out.stdout, "")

    def test_unreachable_index_exit_2_names_the_url(self):
        self.write("reqs.in", "app\n")
        out = self.resolve("reqs.in", "-o", "out.txt", index="http://127.0.0.1:9/simple")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("127.0.0.1:9", out.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))

    def test_server_faults_exit_2_name_the_url(self):
        """A 500 on a page and invalid JSON: exit 2 with the URL; a transient 503 is retried to success."""
        self.write("reqs.in", "app\n")
        rules = os.path.join(self.tmp, "rules.json")
        server = None

        def start(rule_list):
            nonlocal server
            with open(rules, "w") as f:
                json.dump(rule_list, f)
            server = subprocess.Popen([sys.executable, os.path.join(SRC, "tests", "servers", "fault_server.py"), self.uni,
                                       "--port", "0", "--rules", rules], stdout=subprocess.PIPE, text=True)
            return f"http://127.0.0.1:{server.stdout.readline().strip()}/simple"

        def stop():
            server.terminate()
            server.wait()
            server.stdout.close()

        try:
            url = start([{"path": "/simple/lib/", "fault": "status", "status": 500}])
            out = self.resolve("reqs.in", "-o", "out.txt", "--no-cache", index=url)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn(url + "/lib/", out.stderr)
            self.assertIn("500", out.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "out.txt")))
            stop()
            url = start([{"path": "/simple/lib/", "fault": "invalid"}])
            out = self.resolve("reqs.in", "--no-cache", index=url)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn(url + "/lib/", out.stderr)
            stop()
            url = start([{"path": "/simple/lib/", "fault": "status", "status": 503, "times": 1}])
            out = self.ok("reqs.in", "--no-cache", "--no-header", index=url)
            self.assertEqual(self.pins(out.stdout), {"app": "2.0", "lib": "3.0"})
        finally:
            stop()

    def test_help_and_version(self):
        out = subprocess.run([RESOLVE, "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        for flag in ("--output-file", "--constraint", "--override", "--index-url", "--extra-index-url", "--no-index",
                     "--python-version", "--python-platform", "--resolution", "--prerelease", "--no-binary",
                     "--only-binary", "--upgrade", "--upgrade-package", "--cache-dir", "--no-cache", "--offline",
                     "--refresh", "--refresh-package", "--allocator", "--threads", "--no-header", "--no-annotate",
                     "--annotation-style", "--generate-hashes", "--emit-index-url", "--format", "--quiet", "--verbose",
                     "--color", "--no-progress", "--version", "--extra", "--all-extras"):
            self.assertIn(flag, out.stdout)
        out = subprocess.run([RESOLVE, "--version"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"^resolve \d+\.\d+\.\d+\n$")

    # --- terminals ----------------------------------------------------------------------

    def test_progress_on_a_terminal_only(self):
        self.write("reqs.in", "app[fast]\n")
        argv = [RESOLVE, "reqs.in", "-i", file_url(self.uni), "--cache-dir", self.cache, *TARGET]
        code, out, term = run_in_pty(argv, self.env(), self.tmp)
        self.assertEqual(code, 0, term)
        self.assertIn("Resolving: ", term)
        self.assertIn("packages resolved", term)
        self.assertTrue(term.endswith("\r\x1b[2K"), repr(term[-40:]))  # the line is erased at the end
        self.assertEqual(self.pins(out), {"app": "2.0", "lib": "3.0", "speed": "1.0"})
        for quiet in (["--no-progress"], ["-q"]):
            code, out, term = run_in_pty(argv + quiet, self.env(), self.tmp)
            self.assertEqual(code, 0)
            self.assertEqual(term, "")
        # Not a terminal: nothing on stderr.
        self.assertEqual(self.ok("reqs.in", index=file_url(self.uni)).stderr, "")

    def test_colour_and_no_color(self):
        self.write("reqs.in", "left\nright\n")
        argv = [RESOLVE, "reqs.in", "-i", file_url(self.uni), "--cache-dir", self.cache, "--no-progress", *TARGET]
        code, _, term = run_in_pty(argv, self.env(), self.tmp)
        self.assertEqual(code, 1)
        self.assertIn("\x1b[1;31merror\x1b[0m", term)
        code, _, term = run_in_pty(argv, self.env(NO_COLOR="1"), self.tmp)
        self.assertEqual(code, 1)
        self.assertNotIn("\x1b[", term)
        self.assertIn("error: ", term)
        code, _, term = run_in_pty(argv + ["--color", "never"], self.env(), self.tmp)
        self.assertNotIn("\x1b[", term)
        out = self.resolve("reqs.in", "--color", "always", index=file_url(self.uni), env=self.env(NO_COLOR="1"))
        self.assertIn("\x1b[1;31merror", out.stderr)


class jupyter_test(unittest.TestCase):
    """uv's jupyter.in over the snapshot: the structure of uv's jupyter.txt."""

    def test_structure_matches_uv(self):
        tree = os.environ.get("PYRESOLVE_JUPYTER_INDEX") or snapshot_tree()
        tmp = tempfile.mkdtemp(prefix="pyresolve-cli-jupyter-")
        try:
            shutil.copy(os.path.join(SRC, "data", "uv-requirements", "jupyter.in"), tmp)
            argv = [RESOLVE, "jupyter.in", "-i", file_url(tree), "--cache-dir", os.path.join(tmp, "cache"), *TARGET,
                    "-o", "jupyter.txt"]
            out = subprocess.run(argv, cwd=tmp, capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            text = read(os.path.join(tmp, "jupyter.txt"))
            ours, shapes = parse_requirements_txt(text)
            with open(os.path.join(UV_COMPILED, "jupyter.txt")) as f:
                theirs, their_shapes = parse_requirements_txt(f.read())
            self.assertFalse([s for s in shapes if s.startswith("other")])
            self.assertEqual(set(shapes), set(their_shapes))  # the same kinds of line, nothing else
            names = [n for n, _, _ in ours]
            self.assertEqual(names, sorted(names))
            their_names = {n for n, _, _ in theirs}
            common = set(names) & their_names
            # Four months of releases separate the data (uv's has notebook 7 and jupyterlab 4, the
            # snapshot's answer notebook 6 with nbclassic): most of the closure is still the same.
            self.assertGreater(len(common), 0.6 * len(their_names), sorted(set(names) ^ their_names))
            ours_via = {n: sorted(v for v in via if not v.startswith("-r ")) for n, _, via in ours}
            theirs_via = {n: sorted(via) for n, _, via in theirs}
            same = [n for n in common if ours_via[n] == theirs_via[n]]
            self.assertGreater(len(same), 0.6 * len(common))
            # Every parent we name is itself pinned, and every direct requirement says `-r`.
            for n, _, via in ours:
                for v in via:
                    self.assertTrue(v.startswith("-r ") or v in names, (n, v))
            self.assertEqual(dict((n, v) for n, _, v in ours)["jupyter"], ["-r jupyter.in"])
            print(f"jupyter: {len(names)} pins, uv {len(their_names)}, {len(common)} in common, "
                  f"{len(same)} with the same parents", file=sys.stderr)
            # Re-running with the output present changes nothing.
            subprocess.run(argv, cwd=tmp, check=True, capture_output=True)
            self.assertEqual(read(os.path.join(tmp, "jupyter.txt")), text)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
