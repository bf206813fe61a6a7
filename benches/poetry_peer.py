#!/usr/bin/python3
"""Poetry 1.3's solver (Debian python3-poetry) timed in memory, for benches/resolve_bench.py.

The issue's peer "Poetry's solver on the same warm index". `poetry lock` itself cannot be timed
fairly here: Poetry 1.3 reads only PEP 503 HTML, ignores PEP 658 metadata and downloads the
wheel of every version it inspects (so it needs a `make-index --with-wheels` tree and a server
inside `unshare -n`), and a "warm" lock still revalidates every page. So this runs the solver
alone, like ../shared/peers/poetry_inmem_peer.py, on the universe JSON that make-index writes
for the same closure (`--emit-universe`), i.e. the same data the index serves, with two changes
that keep the comparison about the solver:

  * the repository is indexed by name and builds a project's packages (PackageInfo ->
    Package, Poetry's own path for wheel METADATA) the first time the solver asks for it, as a
    real repository fetches a page on demand; the peer's Repository scans every version of
    every project (290,000 for jupyter's closure) on each query;
  * versions Poetry cannot parse (e.g. `0.8.0pr1`) are skipped, as its PyPI repository does.

Each round is a fresh repository and solver in one process (JSON parsing and Python's start-up
are not timed): the figure favours Poetry, whose real runs also start Python, import Poetry,
read its cache and parse pages. Poetry resolves universally (every Python in --python, every
platform), which is more work than one target.

Usage: poetry_peer.py UNIVERSE.json [--python "~3.11"] [--rounds N] [--json OUT] [-r FILE] [REQ...]
Prints the pins (name==version, sorted) of the last round, and with --json writes
{"times": [...seconds per round], "pins": N, "skipped_versions": N}.
"""
import argparse
import json
import sys
import time

from cleo.io.null_io import NullIO
from packaging.utils import canonicalize_name
from poetry.core.packages.dependency import Dependency
from poetry.core.packages.project_package import ProjectPackage
from poetry.inspection.info import PackageInfo
from poetry.puzzle.solver import Solver
from poetry.repositories import Repository, RepositoryPool
from poetry.repositories.exceptions import PackageNotFound


class lazy_repository(Repository):
    """A project's packages are built on first use, from the universe's entry."""

    def __init__(self, universe: dict) -> None:
        super().__init__("local")
        self._universe = universe
        self._by_name: dict = {}
        self.skipped = 0

    def _packages_of(self, name: str) -> list:
        found = self._by_name.get(name)
        if found is None:
            found = []
            for version, info in (self._universe.get(name) or {}).items():
                info = info or {}
                try:
                    found.append(PackageInfo(name=name, version=version,
                                             requires_dist=info.get("requires_dist", []),
                                             requires_python=info.get("requires_python")).to_package())
                except Exception:  # an invalid version or requirement: PyPI's repository skips it too
                    self.skipped += 1
            self._by_name[name] = found
        return found

    def _find_packages(self, name, constraint):
        return [p for p in self._packages_of(canonicalize_name(name)) if constraint.allows(p.version)]

    def package(self, name, version, extras=None):
        for p in self._packages_of(canonicalize_name(name)):
            if p.version == version:
                return p.clone()
        raise PackageNotFound(f"Package {name} ({version}) not found.")

    def has_package(self, package) -> bool:
        return any(p.unique_name == package.unique_name for p in self._packages_of(package.name))


def solve(universe: dict, python: str, reqs: list[str]) -> tuple[float, list, int]:
    started = time.perf_counter()
    repo = lazy_repository(universe)
    root = ProjectPackage("peer-root", "0.0.0")
    root.python_versions = python
    for r in reqs:
        root.add_dependency(Dependency.create_from_pep_508(r))
    transaction = Solver(root, RepositoryPool([repo]), [], [], NullIO()).solve()
    pins = sorted((op.package.name, op.package.version.text) for op in transaction.calculate_operations())
    return time.perf_counter() - started, pins, repo.skipped


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("universe")
    ap.add_argument("--python", default="~3.11")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", help="write the per-round times here")
    ap.add_argument("-r", "--requirement", action="append", default=[], help="a requirements file")
    ap.add_argument("reqs", nargs="*", help="PEP 508 requirements")
    a = ap.parse_args()
    reqs = list(a.reqs)
    for path in a.requirement:
        reqs += [line.split("#")[0].strip() for line in open(path) if line.split("#")[0].strip()]
    if not reqs:
        ap.error("no requirements")
    universe = json.load(open(a.universe))["packages"]
    times = []
    for _ in range(a.rounds):
        seconds, pins, skipped = solve(universe, a.python, reqs)
        times.append(seconds)
    for n, v in pins:
        print(f"{n}=={v}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"times": times, "pins": len(pins), "skipped_versions": skipped}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
