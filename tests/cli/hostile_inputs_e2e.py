#!/usr/bin/python3
"""End-to-end tests of `resolve` against hostile input files and index metadata.

usage: hostile_inputs_e2e.py BIN_DIR FIXTURE_DIR [unittest args...]

Inputs that never end, nest too deep, fan out, carry control characters or have the wrong
types must end the run with exit 2 (or a correct answer) and a short message, quickly.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

BIN, FIXTURES = (os.path.abspath(a) for a in sys.argv[1:3])
RESOLVE = os.path.join(BIN, "resolve")
MAKE_INDEX = os.path.join(BIN, "make-index")
TARGET = ["--python-version", "3.11", "--python-platform", "linux"]
# Generous ceilings that only catch runaway behaviour.
TIMEOUT = 20
MAX_MESSAGE = 4000

DEEP_MARKER = "(" * 10000 + "os_name == 'posix'" + ")" * 10000
UNIVERSE = {"packages": {
    # The newest version's metadata nests a marker 10,000 deep.
    "app": {"1.0": {"requires_dist": ["lib"]}, "2.0": {"requires_dist": ["lib; " + DEEP_MARKER]}},
    "lib": {"1.0": {}},
    # Metadata with an ESC in a Requires-Dist: the explanation quotes it.
    "esc": {"1.0": {"requires_dist": ["li\x1b[2Jb"]}},
}}


def universe_index():
    os.makedirs(FIXTURES, exist_ok=True)
    tree = os.path.join(FIXTURES, "hostile-inputs")
    stamp = os.path.join(tree, ".universe")
    text = json.dumps(UNIVERSE, sort_keys=True)
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == text:
                return tree
    shutil.rmtree(tree, ignore_errors=True)
    source = tree + ".json"
    with open(source, "w") as f:
        f.write(text)
    subprocess.run([MAKE_INDEX, "-q", "--universe", source, "--out", tree], check=True)
    with open(stamp, "w") as f:
        f.write(text)
    return tree


class hostile_inputs_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.index = "file://" + os.path.join(universe_index(), "simple")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pyresolve-hostile-")
        self.cache = os.path.join(self.dir, "cache")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text, mode="w"):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)
        return path

    def run_resolve(self, *args, stdin=None):
        started = time.monotonic()
        proc = subprocess.run([RESOLVE, *args, *TARGET, "--cache-dir", self.cache, "-i", self.index],
                              input=stdin, capture_output=True, timeout=TIMEOUT, cwd=self.dir)
        self.assertLess(time.monotonic() - started, TIMEOUT)
        self.assertGreaterEqual(proc.returncode, 0, f"killed by signal {-proc.returncode}")
        proc.err = proc.stderr.decode("utf-8", "replace")
        proc.out = proc.stdout.decode("utf-8", "replace")
        return proc

    def assert_error(self, proc, *fragments, code=2):
        self.assertEqual(proc.returncode, code, proc.err)
        self.assertLess(len(proc.err), MAX_MESSAGE, proc.err[:MAX_MESSAGE])
        for fragment in fragments:
            self.assertIn(fragment, proc.err)

    # Stack depth -----------------------------------------------------------------------------

    def test_a_deep_marker_in_a_requirements_file_is_an_error_at_its_position(self):
        path = self.write("deep.in", "lib\nlib ; " + DEEP_MARKER + "\n")
        proc = self.run_resolve(path)
        self.assert_error(proc, "deep.in:2:71:", "Marker nested deeper than 64 parentheses")

    def test_a_deep_marker_in_index_metadata_makes_that_version_unusable(self):
        proc = self.run_resolve(self.write("app.in", "app\n"))
        self.assertEqual(proc.returncode, 0, proc.err)
        self.assertIn("app==1.0\n", proc.out)
        proc = self.run_resolve(self.write("app2.in", "app>=2\n"))
        self.assert_error(proc, "app==2.0 is unusable", "Marker nested deeper than 64 parentheses", code=1)

    def test_deeply_nested_pyproject_toml_is_an_error(self):
        cases = {
            "arrays": "a = " + "[" * 100000 + "]" * 100000 + "\n",
            "inline tables": "a = " + "{b = " * 1000 + "1" + "}" * 1000 + "\n",
            "dotted keys": "a" + ".a" * 1000000 + " = 1\n",
            "table headers": "[a" + ".a" * 1000000 + "]\n",
        }
        for what, text in cases.items():
            with self.subTest(what):
                path = self.write(os.path.join(what.replace(" ", "-"), "pyproject.toml"), text)
                self.assert_error(self.run_resolve(path), "pyproject.toml:1:", "nested deeper than 128 levels")

    def test_non_ascii_text_outside_strings_is_an_error_naming_its_place(self):
        # Non-ASCII spaces are not TOML whitespace (toml++ 3.3 reached undefined behaviour here).
        cases = {
            "after a value": ('[project]\nname = "x" \u00e9\n', "pyproject.toml:2:12:"),
            "no-break space": ('[project]\nname = "x"\u00a0\n', "pyproject.toml:2:11:"),
            "before a key": ('[project]\n\u2000name = "x"\n', "pyproject.toml:2:1:"),
        }
        for what, (text, where) in cases.items():
            with self.subTest(what):
                path = self.write(os.path.join(what.replace(" ", "-"), "pyproject.toml"), text)
                self.assert_error(self.run_resolve(path), where, "non-ASCII")
        # In strings and comments it is fine, after a line-ending backslash too.
        path = self.write("fine/pyproject.toml",
                          '[project]\nname = "caf\u00e9"\n# \u00e9\ndescription = """\u00e9\\\n  x"""\n'
                          'readme = """a\\\n  \u00e9"""\ndependencies = ["lib"]\n')
        proc = self.run_resolve(path)
        self.assertEqual(proc.returncode, 0, proc.err)

    # Inputs that never end -------------------------------------------------------------------

    def test_devices_and_fifos_are_refused_wherever_a_file_is_named(self):
        plain = self.write("plain.in", "lib\n")
        self.assert_error(self.run_resolve("/dev/zero"), "/dev/zero", "not a regular file")
        self.assert_error(self.run_resolve("/dev/urandom"), "/dev/urandom", "not a regular file")
        self.assert_error(self.run_resolve(self.write("r.in", "lib\n-r /dev/zero\n")),
                          "r.in:2:4:", "/dev/zero", "not a regular file")
        self.assert_error(self.run_resolve(self.write("c.in", "lib\n-c /dev/zero\n")),
                          "c.in:2:4:", "/dev/zero", "not a regular file")
        self.assert_error(self.run_resolve(plain, "-c", "/dev/zero"), "/dev/zero", "not a regular file")
        self.assert_error(self.run_resolve(plain, "--override", "/dev/urandom"), "/dev/urandom",
                          "not a regular file")
        fifo = os.path.join(self.dir, "fifo.in")
        os.mkfifo(fifo)
        self.assert_error(self.run_resolve(fifo), "fifo.in", "not a regular file")
        os.makedirs(os.path.join(self.dir, "p"))
        os.symlink("/dev/zero", os.path.join(self.dir, "p", "pyproject.toml"))
        self.assert_error(self.run_resolve(os.path.join(self.dir, "p", "pyproject.toml")), "not a regular file")

    def test_standard_input_is_read_up_to_64_mib(self):
        proc = self.run_resolve("-", stdin=b"lib\n" + b" " * (65 << 20))
        self.assert_error(proc, "standard input is larger than 64 MiB")
        proc = self.run_resolve("-", stdin=b"lib\n")
        self.assertEqual(proc.returncode, 0, proc.err)
        self.assertIn("lib==1.0", proc.out)

    def test_an_include_bomb_reads_each_file_once(self):
        levels = 40  # 2^40 reads if every include were read again
        for i in range(levels):
            self.write(f"f{i}.in", f"-r f{i + 1}.in\n-r f{i + 1}.in\n-c f{i + 1}.in\n")
        self.write(f"f{levels}.in", "lib\n")
        proc = self.run_resolve(os.path.join(self.dir, "f0.in"))
        self.assertEqual(proc.returncode, 0, proc.err)
        self.assertIn("lib==1.0", proc.out)

    # Wrong types in pyproject.toml -----------------------------------------------------------

    def test_pyproject_keys_of_the_wrong_type_are_errors_naming_the_key(self):
        cases = {
            'dependencies = "lib"': "[project] dependencies: expected an array of strings, found a string",
            "dependencies = [1]": "[project] dependencies item: expected a string, found an integer",
            "optional-dependencies = 5": "[project] optional-dependencies: expected a table",
            'optional-dependencies = {dev = "lib"}': "[project.optional-dependencies] dev: expected an array",
            "optional-dependencies = {dev = [true]}": "[project.optional-dependencies] dev item: expected a string",
            "name = 5": "[project] name: expected a string",
            "requires-python = 3": "[project] requires-python: expected a string",
            'dynamic = "dependencies"': "[project] dynamic: expected an array of strings",
            'dynamic = ["dependencies"]': "[project] dynamic lists 'dependencies': a build backend would be needed",
        }
        for line, message in cases.items():
            with self.subTest(line):
                path = self.write(os.path.join(str(abs(hash(line))), "pyproject.toml"),
                                  "[project]\n" + line + "\n")
                self.assert_error(self.run_resolve(path), "pyproject.toml:2:", message)
        path = self.write("top/pyproject.toml", "project = 1\n")
        self.assert_error(self.run_resolve(path), "project: expected a table")
        # Dynamic optional dependencies matter only when a group is asked for.
        path = self.write("dyn/pyproject.toml",
                          '[project]\nname = "x"\ndependencies = ["lib"]\ndynamic = ["optional-dependencies"]\n')
        proc = self.run_resolve(path)
        self.assertEqual(proc.returncode, 0, proc.err)
        self.assert_error(self.run_resolve(path, "--extra", "dev"),
                          "dynamic lists 'optional-dependencies'")

    # Control characters ----------------------------------------------------------------------

    def test_control_characters_from_files_are_escaped_in_messages(self):
        path = self.write("esc.in", "li\x1b]0;title\x07b\x00 ; os_name == '\x1b[31m'\n")
        proc = self.run_resolve(path)
        self.assert_error(proc, "li\\x1b]0;title\\x07b\\x00")
        for raw in (b"\x1b", b"\x07", b"\x00"):
            self.assertNotIn(raw, proc.stderr)

    def test_control_characters_from_index_metadata_are_escaped_in_explanations(self):
        proc = self.run_resolve(self.write("esc.in", "esc\n"), "--color", "never")
        self.assert_error(proc, "esc is unusable", "li\\x1b[2Jb", code=1)
        self.assertNotIn(b"\x1b", proc.stderr)

    # Smaller ---------------------------------------------------------------------------------

    def test_arbitrary_equality_with_no_version_is_explained_as_written(self):
        proc = self.run_resolve(self.write("arb.in", "lib===abc\n"))
        self.assert_error(proc, "you require lib===abc, and no version is allowed", code=1)
        self.assertNotIn("==0", proc.err)

    def test_a_huge_name_is_quoted_once_and_in_part(self):
        proc = self.run_resolve(self.write("huge.in", "a" * (10 << 20) + "!\n"))
        self.assert_error(proc, "huge.in:1:")

    def test_empty_target_flags_are_errors(self):
        path = self.write("plain.in", "lib\n")
        for flag in ("--python-version", "--python-platform"):
            with self.subTest(flag):
                # --no-index: before the check, an empty value fell back to the default target
                # and the run went on to fail elsewhere.
                proc = subprocess.run([RESOLVE, path, "--no-index", "--offline", flag, ""], capture_output=True,
                                      text=True, timeout=TIMEOUT)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertIn(flag, proc.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]])
