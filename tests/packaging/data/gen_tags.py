#!/usr/bin/python3
"""Regenerates tests/packaging/data/tags_*.txt from Python's `packaging` (Debian's 23.0).

Run by hand from the repository root, with the system interpreter that has `packaging`:

    /usr/bin/python3 tests/packaging/data/gen_tags.py

Each file lists, one tag per line, what `packaging.tags.sys_tags()` yields for a non-debug
CPython of the given version on the given platform: `cpython_tags()` then `compatible_tags()`.
The platform ladders come from packaging itself: its glibc/musl detection is patched to report
the target's libc version, and `mac_platforms()` is given the macOS version and architecture.
The first line of each file is a comment naming the Python version and pyresolve platform name.
"""

import os
import sys

import packaging
from packaging import _manylinux, _musllinux, tags

HERE = os.path.dirname(os.path.abspath(__file__))


def linux_platforms(arch, glibc=None, musl=None):
    """`tags._linux_platforms()` on a machine with the given libc."""
    _manylinux._get_glibc_version = lambda: glibc if glibc else (-1, -1)
    _manylinux._have_compatible_abi = lambda executable, a: True
    _musllinux._get_musl_version = lambda executable: (
        _musllinux._MuslVersion(*musl) if musl else None
    )
    linux = f"linux_{arch}"
    out = list(_manylinux.platform_tags(linux, arch))
    out += list(_musllinux.platform_tags(arch))
    out.append(linux)
    return out


CASES = [
    # (file suffix, python version, pyresolve platform name, platform tags)
    ("cp311_linux", (3, 11), "linux", linux_platforms("x86_64", glibc=(2, 17))),
    ("cp311_x86_64_manylinux_2_28", (3, 11), "x86_64-manylinux_2_28", linux_platforms("x86_64", glibc=(2, 28))),
    ("cp311_aarch64_manylinux_2_17", (3, 11), "aarch64-manylinux_2_17", linux_platforms("aarch64", glibc=(2, 17))),
    ("cp311_x86_64_musl", (3, 11), "x86_64-unknown-linux-musl", linux_platforms("x86_64", musl=(1, 2))),
    ("cp311_macos_arm64", (3, 11), "aarch64-apple-darwin", list(tags.mac_platforms((13, 0), "arm64"))),
    ("cp311_macos_x86_64", (3, 11), "x86_64-apple-darwin", list(tags.mac_platforms((13, 0), "x86_64"))),
    ("cp311_windows", (3, 11), "x86_64-pc-windows-msvc", ["win_amd64"]),
    ("cp312_linux_aarch64_gnu", (3, 12), "aarch64-unknown-linux-gnu", linux_platforms("aarch64", glibc=(2, 17))),
    ("cp37_linux", (3, 7), "linux", linux_platforms("x86_64", glibc=(2, 17))),
]


def main():
    assert packaging.__version__ == "23.0", packaging.__version__
    for suffix, python, platform, platforms in CASES:
        nodot = "".join(map(str, python))
        abi = f"cp{nodot}m" if python < (3, 8) else f"cp{nodot}"
        result = list(tags.cpython_tags(python_version=python, abis=[abi], platforms=platforms))
        result += list(tags.compatible_tags(python_version=python, interpreter=f"cp{nodot}", platforms=platforms))
        path = os.path.join(HERE, f"tags_{suffix}.txt")
        with open(path, "w") as f:
            f.write(f"# {python[0]}.{python[1]} {platform}\n")
            for tag in result:
                f.write(f"{tag}\n")
        print(f"{path}: {len(result)} tags", file=sys.stderr)


if __name__ == "__main__":
    main()
