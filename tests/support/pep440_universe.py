#!/usr/bin/python3
"""Drops the versions that are not PEP 440 from a universe JSON file (in place without OUT).

pip, and our index client, skip such versions; check_solution.py would raise on them.
Usage: pep440_universe.py UNIVERSE.json [OUT.json]   (Debian's python3-packaging)
"""
import json
import sys

from packaging.version import InvalidVersion, Version


def valid(v):
    try:
        Version(v)
        return True
    except InvalidVersion:
        return False


u = json.load(open(sys.argv[1]))
u["packages"] = {n: {v: i for v, i in vs.items() if valid(v)} for n, vs in u["packages"].items()}
json.dump(u, open(sys.argv[2] if len(sys.argv) > 2 else sys.argv[1], "w"))
