#!/usr/bin/python3
"""Finds what an explanation says is missing and checks that the universe lacks it.

Two shapes: `X was not found in the package registry` (a project), and `there is no version
of X==V` (a release). Prints what it found (markdown) and exits 0 when the
universe indeed lacks it, 1 otherwise.
Usage: absent_in_explanation.py UNIVERSE.json EXPLANATION.txt
"""
import json
import re
import sys

from packaging.version import Version


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main():
    with open(sys.argv[1]) as f:
        packages = json.load(f)["packages"]
    with open(sys.argv[2]) as f:
        text = f.read()
    m = re.search(r"([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the package registry", text)
    if m:
        print(f"`{m.group(1)}` is not in the snapshot")
        return 1 if norm(m.group(1)) in packages else 0
    m = re.search(r"there is no version of ([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s,;]+)", text)
    if m:
        name, wanted = norm(m.group(1)), Version(m.group(2))
        print(f"`{m.group(1)}=={m.group(2)}` is not in the snapshot")
        return 1 if any(Version(v) == wanted for v in packages.get(name, {})) else 0
    print("no absent project or release named")
    return 1


if __name__ == "__main__":
    sys.exit(main())
