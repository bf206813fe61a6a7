#!/usr/bin/python3
"""Write the libsolv testcase of one requirement file for `testsolv`, so that libsolv and
`resolve` can be timed side by side on the same problem.

    benches/libsolv_case.py UNIVERSE.json REQUIREMENTS.in OUT.t [--python-version 3.11.7]

UNIVERSE.json is what make-index writes with --emit-universe. Before the peers'
`libsolv/gen_testsolv.py` encodes it, the universe is cut down to the projects the requirements
can reach for the target (markers evaluated for that Python on Linux, extras only where
requested): a project no requirement can reach cannot change the answer, and encoding every
version of a closure of thousands of projects takes the encoder minutes.
"""
import argparse
import json
import os
import sys
import tempfile

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

SHARED = os.environ.get("PYRESOLVE_SHARED") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                            "..", "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "peers"))
sys.path.insert(0, os.path.join(SHARED, "peers", "libsolv"))


def applies(req, env, extra):
    if req.marker is None:
        return extra is None
    try:
        return req.marker.evaluate(dict(env, extra=extra or ""))
    except Exception:  # a marker packaging cannot evaluate: the encoder drops it too
        return False


def reachable(packages, roots, env):
    """The (project, extra) pairs the roots can reach, over every version of each project. Each
    requirement line is parsed and evaluated once per extra (the same lines recur across
    versions), which makes a closure of thousands of projects take seconds, not minutes."""
    memo = {}

    def edges(text, extra):
        if (text, extra) not in memo:
            try:
                r = Requirement(text)
            except InvalidRequirement:
                r = None
            dep = canonicalize_name(r.name) if r else None
            memo[text, extra] = ([(dep, None)] + [(dep, canonicalize_name(e)) for e in r.extras]
                                 if r and applies(r, env, extra) else [])
        return memo[text, extra]

    seen, todo = set(), [(canonicalize_name(r.name), None) for r in roots]
    todo += [(canonicalize_name(r.name), canonicalize_name(e)) for r in roots for e in r.extras]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        name, extra = key
        for info in (packages.get(name) or {}).values():
            for text in (info or {}).get("requires_dist", []):
                todo += edges(text, extra)
    return {name for name, _ in seen}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("universe")
    ap.add_argument("requirements")
    ap.add_argument("out")
    ap.add_argument("--python-version", default="3.11.7")
    a = ap.parse_args()
    env = default_environment()
    env.update(python_full_version=a.python_version, python_version=".".join(a.python_version.split(".")[:2]),
               sys_platform="linux", platform_system="Linux", os_name="posix")
    lines = [l.split("#")[0].strip() for l in open(a.requirements)]
    roots = [Requirement(l) for l in lines if l and not l.startswith("-")]
    packages = {canonicalize_name(k): v for k, v in json.load(open(a.universe))["packages"].items()}
    keep = reachable(packages, roots, env)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"packages": {n: packages[n] for n in sorted(keep) if n in packages}}, f)
    try:
        from gen_testsolv import testcase
        from rank_encode import Problem
        with open(a.out, "w") as out:
            out.write(testcase(Problem(f.name, [str(r) for r in roots], a.python_version)))
    finally:
        os.unlink(f.name)
    print(f"{a.out}: {len(keep)} projects", file=sys.stderr)


if __name__ == "__main__":
    main()
