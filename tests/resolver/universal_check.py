#!/usr/bin/env python3
"""Checks a universal resolution against the dependency data it came from, one environment at
a time: for every environment of the grid (linux, darwin, win32 x CPython 3.8-3.13, those at
or above --python-from), the pins whose markers hold there must form a valid resolution:

- at most one version of a package;
- every requirement of the user's (its marker true there) met by an installed pin, extras too;
- every requirement of an installed pin (for the extras installed with it) met the same way;
- every installed pin's Requires-Python admits the environment's Python (lower bounds only,
  as uv reads them in a universal resolution).

usage: universal_check.py UNIVERSE.json PINS.txt --python-from X.Y REQ...

PINS.txt holds `name==version` or `name==version ; marker` lines (resolve-universe
--universal). Prints one line per environment checked; exit 1 on the first invalid one.
"""
import json
import re
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PLATFORMS = [("linux", "Linux", "posix", "x86_64"), ("darwin", "Darwin", "posix", "arm64"),
             ("win32", "Windows", "nt", "AMD64")]


def environments(python_from):
    for sys_platform, system, os_name, machine in PLATFORMS:
        for minor in range(8, 14):
            if Version(f"3.{minor}") < python_from:
                continue
            yield {"sys_platform": sys_platform, "platform_system": system, "os_name": os_name,
                   "platform_machine": machine, "python_version": f"3.{minor}",
                   "python_full_version": f"3.{minor}.0", "implementation_name": "cpython",
                   "implementation_version": f"3.{minor}.0", "platform_python_implementation": "CPython",
                   "platform_release": "", "platform_version": "", "extra": ""}


def holds(marker, env, extra=""):
    return marker is None or marker.evaluate({**env, "extra": extra})


def lower_bounds_admit(spec_text, python):
    for clause in SpecifierSet(spec_text):
        if clause.operator in ("<", "<=", "!="):
            continue
        if clause.operator == "~=" or (clause.operator == "==" and clause.version.endswith(".*")):
            if python < Version(clause.version.removesuffix(".*")):
                return False
        elif not clause.contains(python, prereleases=True):
            return False
    return True


def main():
    args = sys.argv[1:]
    python_from = Version("0")
    if "--python-from" in args:
        i = args.index("--python-from")
        python_from = Version(args[i + 1])
        del args[i:i + 2]
    universe_path, pins_path, roots = args[0], args[1], [Requirement(r) for r in args[2:]]
    with open(universe_path) as f:
        universe = {canonicalize_name(k): v for k, v in json.load(f)["packages"].items()}
    pins = []
    with open(pins_path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+?)(?:\s*;\s*(.+))?$", line)
            if not m:
                sys.exit(f"cannot read pin line: {line}")
            pins.append((canonicalize_name(m.group(1)), Version(m.group(2)),
                         Marker(m.group(3)) if m.group(3) else None))
    checked = 0
    for env in environments(python_from):
        where = f"{env['sys_platform']} / Python {env['python_full_version']}"
        installed = {}
        for name, version, marker in pins:
            if not holds(marker, env):
                continue
            if name in installed and installed[name] != version:
                return fail(f"{where}: {name} {installed[name]} and {version} both installed")
            installed[name] = version

        def entry(name):
            for text, info in universe.get(name, {}).items():
                try:
                    if Version(text) == installed[name]:
                        return info or {}
                except InvalidVersion:
                    continue
            return None

        extras = {name: set() for name in installed}
        problems = []

        def need(req, context):
            name = canonicalize_name(req.name)
            if name not in installed:
                problems.append(f"{context} needs {req}, which is not installed")
                return False
            if not req.specifier.contains(installed[name], prereleases=True):
                problems.append(f"{context} needs {req}, but {name} {installed[name]} is installed")
                return False
            grown = {canonicalize_name(e) for e in req.extras} - extras[name]
            extras[name] |= grown
            return bool(grown)

        changed = True
        while changed and not problems:
            changed = False
            for req in roots:
                if holds(req.marker, env):
                    changed |= need(req, "the user")
            for name in list(installed):
                info = entry(name)
                if info is None:
                    problems.append(f"{name} {installed[name]} is not in the universe")
                    continue
                rp = info.get("requires_python")
                if rp and not lower_bounds_admit(rp, Version(env["python_full_version"])):
                    problems.append(f"{name} {installed[name]} requires Python {rp}")
                for text in info.get("requires_dist") or []:
                    req = Requirement(text)
                    if any(holds(req.marker, env, e) for e in [""] + sorted(extras[name])):
                        changed |= need(req, f"{name} {installed[name]}")
        if problems:
            return fail(f"{where}: " + problems[0])
        checked += 1
        print(f"{where}: {len(installed)} installed, valid")
    if checked == 0:
        return fail("no environment of the grid was checked")
    return 0


def fail(message):
    print("INVALID: " + message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
