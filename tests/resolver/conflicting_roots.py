#!/usr/bin/python3
"""Prints root sets that cannot be satisfied, built from a universe's own edges, one set a
line (requirements separated by tabs). Three shapes, each unsatisfiable by construction when
found (libsolv is asked too, by check_universes.sh):

  direct     A==v  B==w        A v requires B without w
  backtrack  A     B==w        every version of A requires B without w (the solver tries them all)
  transitive A==v  C==w        A v requires B, and every B it allows requires C without w

Only unconditional dependencies (no marker) and final releases are used.
usage: conflicting_roots.py UNIVERSE [--max N]
"""
import json
import sys

from packaging.requirements import Requirement
from packaging.version import Version


def main():
    path = sys.argv[1]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--max" else 3
    with open(path) as f:
        packages = json.load(f)["packages"]
    finals = {n: sorted((Version(v) for v in vs if not Version(v).is_prerelease), reverse=True)
              for n, vs in packages.items()}

    def deps(name, v):
        out = {}
        for text in packages[name][str(v)].get("requires_dist") or []:
            r = Requirement(text)
            if r.marker is None and not r.extras and r.name in packages:
                out[r.name] = r.specifier
        return out

    def raw(name, v):  # the universe's spelling of a version
        return next(s for s in packages[name] if Version(s) == v)

    def excluded(spec, target):  # a final release of target outside spec
        return next((w for w in finals[target] if not spec.contains(w)), None)

    shapes = {"direct": [], "backtrack": [], "transitive": []}
    for a in sorted(packages):
        for v in finals[a]:
            for b, spec in deps(a, v).items():
                w = excluded(spec, b)
                if w is not None and len(shapes["direct"]) < limit:
                    shapes["direct"].append([f"{a}=={raw(a, v)}", f"{b}=={raw(b, w)}"])
                allowed = [x for x in finals[b] if spec.contains(x)]
                if not allowed:
                    continue
                for c in deps(b, allowed[0]):
                    specs = [deps(b, x).get(c) for x in allowed]
                    if any(s is None for s in specs):
                        continue
                    w = next((x for x in finals[c] if not any(s.contains(x) for s in specs)), None)
                    if w is not None and len(shapes["transitive"]) < limit:
                        shapes["transitive"].append([f"{a}=={raw(a, v)}", f"{c}=={raw(c, w)}"])
        if len(finals[a]) > 1:
            common = None
            for v in finals[a]:
                d = deps(a, v)
                common = set(d) if common is None else common & set(d)
            for b in sorted(common or ()):
                specs = [deps(a, v)[b] for v in finals[a]]
                w = next((x for x in finals[b] if not any(s.contains(x) for s in specs)), None)
                if w is not None and len(shapes["backtrack"]) < limit:
                    shapes["backtrack"].append([a, f"{b}=={raw(b, w)}"])
    for sets in shapes.values():
        for roots in sets:
            print("\t".join(roots))


if __name__ == "__main__":
    main()
