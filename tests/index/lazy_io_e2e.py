"""How programs get the index's third-party libraries (index/CMakeLists.txt).

usage: lazy_io_e2e.py BIN_DIR LINKED_PROGRAM LAYOUT

`resolve` and its allocator variants take the lazy form: none of libcurl, libarchive,
libcrypto, gumbo, zlib or simdjson is NEEDED, `resolve --version` and a warm resolve map none
of them, and a cold resolve loads them through bin/../lib/libpyresolve_index_io.so. A copy of
the program without that library still answers from the cache and, when it must fetch, says
which file it lacks, and beside a copy of the library from another build (another LAYOUT, the
identity of its table: index/src/detail/backend.hpp, `io_identity`) names it and both
identities instead of calling it. LINKED_PROGRAM (a test of the linked form) has them all NEEDED.
BIN_DIR also holds make-index, which writes the test's index tree.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = sys.argv[1]
LINKED = sys.argv[2]
LAYOUT = sys.argv[3]
RESOLVE = os.path.join(BIN, "resolve")
INDEX_LIBRARIES = re.compile(r"lib(curl|archive|crypto|gumbo|z|simdjson)\.so")
# The modules' own libraries, in a shared build (BUILD_SHARED_LIBS): resolve links those; none
# of pyresolve's other shared objects (the I/O library, the jemalloc copy) may be mapped early.
MODULE_LIBRARIES = re.compile(r"libpyresolve_(support|packaging|index|cache|resolver)\.so$")


def early(name):
    """An object that resolve must not map before it needs the index's libraries."""
    return bool(INDEX_LIBRARIES.match(name)) or ("pyresolve" in name and not MODULE_LIBRARIES.match(name))


# LD_DEBUG=files: one "file=NAME [0];  needed by X" or "dynamically loaded by X" line per object mapped.
MAPPED = re.compile(r"file=(\S+) \[\d+\];\s+(?:needed|dynamically loaded) by")
UNIVERSE = {"packages": {"app": {"1.0": {"requires_dist": ["lib>=2"]}, "2.0": {"requires_dist": ["lib<3"]}},
                         "lib": {"1.0": {}, "2.0": {}, "3.0": {}}}}


def needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out)


def copy_program(bin_dir):
    """A copy of resolve in bin_dir, with the modules' libraries in bin_dir/../lib when it links them."""
    os.makedirs(bin_dir)
    shutil.copy(RESOLVE, bin_dir)
    modules = [n for n in needed(RESOLVE) if MODULE_LIBRARIES.match(n)]
    if modules:
        os.makedirs(os.path.join(bin_dir, "../lib"))
        for name in modules:
            shutil.copy(os.path.join(BIN, "../lib", name), os.path.join(bin_dir, "../lib"))
    return os.path.join(bin_dir, "resolve")


def mapped(stderr):
    return {os.path.basename(name) for name in MAPPED.findall(stderr)}


class lazy_index_io(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pyresolve-lazy-io-")
        universe = os.path.join(cls.tmp, "universe.json")
        with open(universe, "w") as f:
            json.dump(UNIVERSE, f)
        cls.tree = os.path.join(cls.tmp, "tree")
        subprocess.run([os.path.join(BIN, "make-index"), "-q", "--universe", universe, "--out", cls.tree], check=True)
        cls.reqs = os.path.join(cls.tmp, "reqs.in")
        with open(cls.reqs, "w") as f:
            f.write("app\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def resolve(self, *args, exe=RESOLVE, cache="cache", debug=True):
        env = dict(os.environ)
        if debug:
            env["LD_DEBUG"] = "files"
        cache_args = ["--cache-dir", os.path.join(self.tmp, cache)] if cache else ["--no-cache"]
        return subprocess.run([exe, "--index-url", "file://" + os.path.join(self.tree, "simple"), "--python-version",
                               "3.11", "--python-platform", "linux", "--no-progress", "--no-header", *cache_args,
                               *args, self.reqs], capture_output=True, text=True, env=env, timeout=120)

    def test_resolve_does_not_link_the_index_libraries(self):
        for name in ("resolve", "resolve-mimalloc", "resolve-jemalloc"):
            libraries = needed(os.path.join(BIN, name))
            self.assertIn("libc.so.6", libraries, name)  # the listing was read
            self.assertEqual([n for n in libraries if early(n)], [], name)

    def test_the_linked_form_links_them(self):
        libraries = needed(LINKED)
        for stem in ("libcurl", "libarchive", "libcrypto", "libgumbo", "libz", "libsimdjson"):
            self.assertTrue(any(n.startswith(stem + ".so") for n in libraries), (stem, libraries))

    def test_version_maps_none_of_them(self):
        out = subprocess.run([RESOLVE, "--version"], capture_output=True, text=True,
                             env=dict(os.environ, LD_DEBUG="files"), timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        objects = mapped(out.stderr)
        self.assertIn("libc.so.6", objects)
        self.assertEqual({o for o in objects if early(o)}, set())

    def test_cold_loads_them_through_the_io_library_and_warm_maps_none(self):
        cold = self.resolve(cache="warm-cache")
        self.assertEqual(cold.returncode, 0, cold.stderr)
        objects = mapped(cold.stderr)
        self.assertIn("libpyresolve_index_io.so", objects)
        self.assertIn("libsimdjson.so", {re.sub(r"\.so\..*", ".so", o) for o in objects})  # JSON pages were read
        self.assertTrue(re.search(r"file=\S*/bin/\.\./lib/libpyresolve_index_io\.so \[0\];\s+dynamically loaded",
                                  cold.stderr), "not opened from bin/../lib")
        warm = self.resolve("--offline", cache="warm-cache")
        self.assertEqual(warm.returncode, 0, warm.stderr)
        self.assertEqual(warm.stdout, cold.stdout)
        self.assertIn("app==2.0", warm.stdout)
        self.assertIn("lib==2.0", warm.stdout)
        objects = mapped(warm.stderr)
        self.assertIn("libc.so.6", objects)
        self.assertEqual({o for o in objects if early(o)}, set())

    def test_a_program_without_the_io_library_says_what_is_missing(self):
        self.assertEqual(self.resolve(cache="alone-cache", debug=False).returncode, 0)  # fills the cache
        alone = os.path.join(self.tmp, "alone", "bin")
        copy = copy_program(alone)
        warm = self.resolve("--offline", exe=copy, cache="alone-cache", debug=False)
        self.assertEqual(warm.returncode, 0, warm.stderr)
        cold = self.resolve(exe=copy, cache=None, debug=False)
        self.assertEqual(cold.returncode, 2, cold.stderr)
        self.assertIn("cannot load the index's I/O library: libpyresolve_index_io.so is in none of", cold.stderr)
        self.assertIn(os.path.join(alone, "../lib"), cold.stderr)
        # A library that is there but broken: dlerror's reason, not a crash.
        os.makedirs(os.path.join(alone, "../lib"), exist_ok=True)
        with open(os.path.join(alone, "../lib/libpyresolve_index_io.so"), "w") as f:
            f.write("not an ELF file\n")
        broken = self.resolve(exe=copy, cache=None, debug=False)
        self.assertEqual(broken.returncode, 2, broken.stderr)
        self.assertIn("cannot load the index's I/O library: cannot load " + os.path.join(alone, "../lib"), broken.stderr)

    def test_a_library_from_another_build_is_refused(self):
        with open(os.path.join(BIN, "../lib/libpyresolve_index_io.so"), "rb") as f:
            library = f.read()
        own = LAYOUT.encode()
        self.assertEqual(library.count(own + b"\0"), 1)  # the identity this build wrote
        other = LAYOUT[:-8] + "".join("0" if c != "0" else "1" for c in LAYOUT[-8:])
        cases = {
            # the same layout text, another table: the copy is refused before its entry point is called
            "other-layout": (library.replace(own + b"\0", other.encode() + b"\0"),
                             "its identity: table of {size} bytes, layout " + other + ";"),
            # a copy older than the identity: its symbol is missing
            "no-identity": (library.replace(b"pyresolve_index_io_identity", b"pyresolve_index_io_identitx"),
                            "its identity: none, no symbol pyresolve_index_io_identity;"),
        }
        # An ASan build's library also defines `__odr_asan.<name>`, whose dynamic name shares its
        # bytes with the symbol's and which the library relocates against: renaming one renames
        # both, and the load fails before the check. The release lane covers that case.
        asan_odr = b"__odr_asan.pyresolve_index_io_identity" in library
        for name, (patched, theirs) in cases.items():
            with self.subTest(name):
                if name == "no-identity" and asan_odr:
                    self.skipTest("a sanitizer build's library cannot be renamed into an older one")
                bin_dir = os.path.join(self.tmp, name, "bin")
                lib_dir = os.path.join(self.tmp, name, "lib")
                copy = copy_program(bin_dir)
                os.makedirs(lib_dir, exist_ok=True)
                with open(os.path.join(lib_dir, "libpyresolve_index_io.so"), "wb") as f:
                    f.write(patched)
                out = self.resolve(exe=copy, cache=None, debug=False)
                self.assertEqual(out.returncode, 2, out.stderr)
                found = re.search(r"cannot load the index's I/O library: (\S+) is from another build "
                                  r"\(its identity: .*; this program's: table of (\d+) bytes, layout (\S+)\)", out.stderr)
                self.assertTrue(found, out.stderr)
                self.assertEqual(os.path.realpath(found[1]), os.path.join(os.path.realpath(lib_dir),
                                                                          "libpyresolve_index_io.so"))
                self.assertEqual(found[3], LAYOUT)
                self.assertIn(theirs.format(size=found[2]), out.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
