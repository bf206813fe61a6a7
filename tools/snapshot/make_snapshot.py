#!/usr/bin/python3
"""Regenerate pyresolve's bundled real-PyPI data snapshot.

Reads the staged inputs under ``--shared`` (default ``<repo>/../shared``) and
writes, deterministically (same input and same zstd version -> same bytes):

* ``data/pypi-snapshot-2023-09.jsonl.zst``: every project of the
  all-versions dependency closures of the uv requirement files and of the
  top 1,000 PyPI projects that the data has, one JSON object per line,
  sorted by name, keys sorted, compressed with a fixed zstd level and a
  window small enough that ``zstd -dc`` needs no ``--long`` flag.
* ``data/snapshot-gaps.txt``: names the closures reference but the data
  lacks, which closures need them, and the projects filled from Debian.

With ``--with-fixtures`` it also refreshes the copied fixtures
(``data/uv-requirements/``, ``data/uv-scenarios/``,
``data/top-pypi/top-1000.txt``).

Only the Python standard library, Debian's python3-packaging and the zstd
CLI are used. Run with /usr/bin/python3 (see data/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

SNAPSHOT_NAME = "pypi-snapshot-2023-09.jsonl.zst"
GAPS_NAME = "snapshot-gaps.txt"
DDB_DIR = "pypi-deps-db-2023-09"
TOP_N = 1000
# Level 19 keeps the window at 8 MiB (windowLog 23), so plain `zstd -dc`
# decodes it. -T1 pins the single-worker code path so the bytes do not
# depend on the machine's core count.
ZSTD_ARGS = ["zstd", "-19", "-T1", "-q", "-c", "--no-progress"]
TOP_ROOT = f"top-pypi/top-{TOP_N}"

_NORMALIZE = re.compile(r"[-_.]+")
# A Requires-Dist string starts with the distribution name (PEP 508); old
# metadata may continue with " (>=1.0)" and some sdist data is sloppy, so
# only the leading name is taken.
_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_TRAILING_OPTIONS = re.compile(r"\s+--?[A-Za-z].*$")


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return _NORMALIZE.sub("-", name).lower()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def resolve_data_dir(shared: Path) -> Path:
    """Accept either the shared dir (holding data/) or its data/ dir."""
    for cand in (shared / "data", shared):
        if (cand / DDB_DIR / "ddb2-all.jsonl.zst").is_file():
            return cand
    raise SystemExit(f"error: no {DDB_DIR}/ddb2-all.jsonl.zst under {shared}")


# --------------------------------------------------------------------------
# Roots
# --------------------------------------------------------------------------

def parse_requirement_file(path: Path) -> list[str]:
    """Project names required by a pip requirements (.in) file.

    Comments, blank lines and option lines (-r, -c, -e, --index-url, ...)
    are skipped; backslash continuations are joined; trailing per-line
    options (--hash=...) are cut. Every other line must parse as PEP 508.
    """
    names: list[str] = []
    logical: list[str] = []
    buf = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        logical.append(buf + raw)
        buf = ""
    if buf:
        logical.append(buf)
    for line in logical:
        line = _COMMENT.sub("", line).strip()
        if not line or line.startswith("-"):
            continue
        line = _TRAILING_OPTIONS.sub("", line)
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise SystemExit(f"error: {path}: cannot parse {line!r}: {exc}")
        names.append(normalize(req.name))
    return names


def parse_pyproject(path: Path) -> list[str]:
    """[project] dependencies plus every optional-dependencies group.

    Extras are included because the closure ignores extras and markers
    everywhere else too.
    """
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    reqs = list(project.get("dependencies", []))
    for group in sorted(project.get("optional-dependencies", {})):
        reqs.extend(project["optional-dependencies"][group])
    own = normalize(project["name"])
    names = [normalize(Requirement(r).name) for r in reqs]
    return [n for n in names if n != own]


def collect_roots(data: Path) -> dict[str, list[str]]:
    """Map closure label -> root project names, for the uv requirement files."""
    req_dir = data / "uv-requirements"
    roots: dict[str, list[str]] = {}
    files = sorted(req_dir.glob("*.in")) + sorted((req_dir / "backtracking").glob("*.in"))
    for f in files:
        roots[f"uv-requirements/{f.relative_to(req_dir).as_posix()}"] = parse_requirement_file(f)
    pyproject = req_dir / "transformers" / "pyproject.toml"
    roots["uv-requirements/transformers/pyproject.toml"] = parse_pyproject(pyproject)
    return roots


def read_top(data: Path) -> list[tuple[int, str, str]]:
    """(rank, original name, normalized name) in rank order."""
    rows = []
    with open(data / "top-pypi" / "top-15000.tsv", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if header != ["rank", "name"]:
            raise SystemExit(f"error: unexpected top-15000.tsv header {header}")
        for line in fh:
            rank, name = line.rstrip("\n").split("\t")
            rows.append((int(rank), name, normalize(name)))
    rows.sort(key=lambda r: r[0])
    return rows


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def stream_ddb(path: Path):
    """Yield raw lines (bytes) of the deps-db JSONL."""
    proc = subprocess.Popen(
        ["zstd", "-dc", "--long=27", str(path)], stdout=subprocess.PIPE, bufsize=1 << 20
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            yield line
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            raise SystemExit(f"error: zstd failed on {path}")


def known_versions(project: dict) -> dict:
    """Versions with metadata; src == "unknown" versions are dropped."""
    return {v: d for v, d in project["versions"].items() if d.get("src") != "unknown"}


def dep_names(versions: dict, cache: dict) -> tuple[set[str], set[str]]:
    """Names any of these versions requires: (all, core).

    "all" ignores markers and extras (the snapshot closure). "core" leaves
    out requirements whose marker mentions an extra (used only to report
    which gaps break plain installs).
    """
    out: set[str] = set()
    core: set[str] = set()
    for vd in versions.values():
        lists = [vd.get("requires_dist") or []]
        for pw in (vd.get("per_wheel") or {}).values():
            lists.append(pw.get("requires_dist") or [])
        for lst in lists:
            for s in lst:
                hit = cache.get(s)
                if hit is None:
                    m = _LEADING_NAME.match(s)
                    name = normalize(m.group(1)) if m else ""
                    marker = s.partition(";")[2]
                    hit = (name, "extra" not in marker)
                    cache[s] = hit
                name, is_core = hit
                if name:
                    out.add(name)
                    if is_core:
                        core.add(name)
    return out, core


def load_graph(ddb: Path) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Pass 1: project name -> names required by any known version.

    Returns (all-requirements graph, core graph without extra-only edges).
    Projects whose versions are all "unknown" are left out (absent).
    """
    graph: dict[str, frozenset[str]] = {}
    core: dict[str, frozenset[str]] = {}
    cache: dict = {}
    for line in stream_ddb(ddb):
        project = json.loads(line)
        versions = known_versions(project)
        if not versions:
            continue
        a, c = dep_names(versions, cache)
        # A few names occur twice (dotted and dashed ddb keys): union them.
        name = project["name"]
        graph[name] = graph.get(name, frozenset()) | a
        core[name] = core.get(name, frozenset()) | c
        if len(cache) > 2_000_000:
            cache.clear()
    return graph, core


def closure(roots, graph) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """BFS over the graph. Returns (present, absent, absent name -> dependents)."""
    present: set[str] = set()
    absent: set[str] = set()
    parents: dict[str, set[str]] = {}
    todo = list(dict.fromkeys(roots))
    for r in todo:
        parents.setdefault(r, set()).add("(root)")
    seen = set(todo)
    while todo:
        name = todo.pop()
        deps = graph.get(name)
        if deps is None:
            absent.add(name)
            continue
        present.add(name)
        for d in deps:
            if d not in graph:
                parents.setdefault(d, set()).add(name)
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return present, absent, {k: v for k, v in parents.items() if k in absent}


_SRC_RANK = {"wheel": 0, "sdist-setup.py-py3.10": 1}


def merge_records(recs: list[dict]) -> dict:
    """Merge deps-db records whose keys normalize to the same name.

    The primary record (most versions, then smallest ddb_key) gives the
    top-level fields; "ddb_keys" lists every key; the shard flags are true
    if any record's shard is present. A version in several records is taken
    from the one with the better src (wheel before sdist), then the record
    order (primary first).
    """
    recs = sorted(recs, key=lambda r: (-len(r["versions"]), r["ddb_key"]))
    out = {k: v for k, v in recs[0].items() if k != "versions"}
    out["ddb_keys"] = sorted(r["ddb_key"] for r in recs)
    out["wheel_shard_present"] = any(r.get("wheel_shard_present") for r in recs)
    out["sdist_shard_present"] = any(r.get("sdist_shard_present") for r in recs)
    versions: dict = {}
    best: dict = {}
    for order, r in enumerate(recs):
        for v, d in r["versions"].items():
            rank = (_SRC_RANK.get(d.get("src"), 2), order)
            if v not in best or rank < best[v]:
                best[v] = rank
                versions[v] = d
    out["versions"] = versions
    return out


def highest_version(versions: dict) -> str:
    best = None
    for v in versions:
        try:
            pv = Version(v)
        except InvalidVersion:
            continue
        if best is None or pv > best[0]:
            best = (pv, v)
    return best[1] if best else "?"


def dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

def copy_fixtures(data: Path, out: Path, top_rows) -> None:
    req_src = data / "uv-requirements"
    req_dst = out / "uv-requirements"
    scen_src = data / "uv-scenarios"
    scen_dst = out / "uv-scenarios"
    for d in (req_dst, scen_dst):
        if d.exists():
            shutil.rmtree(d)
    wanted = (
        sorted(req_src.glob("*.in"))
        + sorted((req_src / "backtracking").glob("*.in"))
        + sorted((req_src / "compiled").glob("*.txt"))
        + [req_src / "transformers" / "pyproject.toml", req_src / "airflow2-constraints.txt",
           req_src / "LICENSE-MIT", req_src / "LICENSE-APACHE"]
    )
    for f in wanted:
        dst = req_dst / f.relative_to(req_src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dst)
    for f in sorted(scen_src.rglob("*")):
        if f.is_file():
            dst = scen_dst / f.relative_to(scen_src)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
    top_dir = out / "top-pypi"
    top_dir.mkdir(parents=True, exist_ok=True)
    with open(top_dir / f"top-{TOP_N}.txt", "w", encoding="utf-8", newline="\n") as fh:
        for rank, name, _ in top_rows[:TOP_N]:
            fh.write(f"{name}\n")
    shutil.copyfile(data / DDB_DIR / "LICENSE", out / "LICENSE.pypi-deps-db")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main() -> int:
    repo = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=repo.parent / "shared",
                    help="shared input dir (holding data/), default <repo>/../shared")
    ap.add_argument("--out", type=Path, default=repo / "data",
                    help="output dir, default <repo>/data")
    ap.add_argument("--with-fixtures", action="store_true",
                    help="also copy uv requirement/scenario files and top-1000.txt")
    args = ap.parse_args()

    t0 = time.monotonic()
    data = resolve_data_dir(args.shared)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    ddb = data / DDB_DIR / "ddb2-all.jsonl.zst"

    roots = collect_roots(data)
    top_rows = read_top(data)

    fill_raw = json.loads((data / DDB_DIR / "debian-bookworm-fill.json").read_text(encoding="utf-8"))

    log("pass 1: reading dependency graph ...")
    graph, core_graph = load_graph(ddb)
    log(f"  {len(graph)} projects with metadata ({time.monotonic() - t0:.1f}s)")

    # Gap rule: Debian fills only projects the deps-db lacks entirely.
    fill: dict[str, dict] = {}
    fill_cache: dict = {}
    for key in sorted(fill_raw):
        proj = fill_raw[key]
        name = normalize(proj["name"])
        if name in graph:
            continue
        versions = known_versions(proj)
        if versions:
            fill[name] = proj
            a, c = dep_names(versions, fill_cache)
            graph[name] = frozenset(a)
            core_graph[name] = frozenset(c)

    # Top 1,000 present in the data (deps-db or Debian fill), in rank order.
    top_present: list[str] = []
    top_absent_ranks: list[tuple[int, str]] = []
    seen_top: set[str] = set()
    for rank, orig, name in top_rows:
        if len(top_present) >= TOP_N:
            break
        if name in seen_top:
            continue
        seen_top.add(name)
        if name in graph:
            top_present.append(name)
        else:
            top_absent_ranks.append((rank, orig))
    last_rank = next(r for r, _, n in top_rows if n == top_present[-1])
    roots[TOP_ROOT] = top_present

    selected: set[str] = set()
    absent_by: dict[str, set[str]] = {}
    core_absent_by: dict[str, set[str]] = {}
    parents_of: dict[str, set[str]] = {}
    per_root_stats = {}
    core_selected: set[str] = set()
    for label in sorted(roots):
        present, absent, parents = closure(roots[label], graph)
        c_present, c_absent, _ = closure(roots[label], core_graph)
        selected |= present
        core_selected |= c_present
        per_root_stats[label] = (len(present), len(absent), len(c_present), len(c_absent))
        for a in absent:
            absent_by.setdefault(a, set()).add(label)
        for a in c_absent:
            core_absent_by.setdefault(a, set()).add(label)
        for a, ps in parents.items():
            parents_of.setdefault(a, set()).update(ps)

    log(f"  closure: {len(selected)} projects, {len(absent_by)} absent names "
        f"({time.monotonic() - t0:.1f}s)")

    # Pass 2: emit selected projects, sorted by name.
    log("pass 2: extracting projects ...")
    records: dict[str, list[dict]] = {}
    for raw in stream_ddb(ddb):
        # Lines start with {"name":"<name>", -- check before parsing.
        head = raw[:300]
        i = head.find(b'"name":"')
        if i >= 0:
            j = head.find(b'"', i + 8)
            if head[i + 8:j].decode() not in selected:
                continue
        project = json.loads(raw)
        if project["name"] not in selected:
            continue
        project["versions"] = known_versions(project)
        if project["versions"]:
            records.setdefault(project["name"], []).append(project)
    lines: dict[str, str] = {}
    truncated: dict[str, str] = {}
    n_versions = 0
    merged: list[str] = []
    for name in sorted(records):
        recs = records[name]
        project = recs[0] if len(recs) == 1 else merge_records(recs)
        if len(recs) > 1:
            merged.append(name)
        n_versions += len(project["versions"])
        if not project.get("wheel_shard_present") and name in core_selected:
            truncated[name] = highest_version(project["versions"])
        lines[name] = dumps(project)
    for name, proj in fill.items():
        if name in selected:
            entry = {"name": name, "fill": "debian-bookworm",
                     "versions": known_versions(proj)}
            n_versions += len(entry["versions"])
            lines[name] = dumps(entry)
    missing = selected - lines.keys()
    if missing:
        raise SystemExit(f"error: selected but not emitted: {sorted(missing)[:10]}")

    payload = "".join(lines[n] + "\n" for n in sorted(lines)).encode("utf-8")
    log(f"  {len(lines)} projects, {n_versions} versions, {len(payload)} bytes uncompressed "
        f"({time.monotonic() - t0:.1f}s)")

    log("compressing ...")
    target = out / SNAPSHOT_NAME
    with tempfile.NamedTemporaryFile(dir=out, prefix=".snapshot-", delete=False) as tmp:
        try:
            subprocess.run(ZSTD_ARGS, input=payload, stdout=tmp, check=True)
            tmp.close()
            os.chmod(tmp.name, 0o644)
            os.replace(tmp.name, target)
        except BaseException:
            os.unlink(tmp.name)
            raise
    log(f"  {target}: {target.stat().st_size} bytes ({time.monotonic() - t0:.1f}s)")

    # Gaps report.
    g: list[str] = []
    g.append("# Gaps of data/pypi-snapshot-2023-09.jsonl.zst (generated by "
             "tools/snapshot/make_snapshot.py; do not edit)")
    g.append("#")
    g.append("# Gap rule: a project absent from pypi-deps-db (2023-09-07) stays absent, except")
    g.append("# where debian-bookworm-fill.json has real metadata: then that one version is")
    g.append("# included, with \"fill\":\"debian-bookworm\" and its src naming the .deb. Versions")
    g.append("# with src == \"unknown\" are dropped; a project with only such versions is absent.")
    g.append("")
    g.append(f"snapshot: {len(lines)} projects, {n_versions} versions")
    g.append("")
    g.append("## Names with two deps-db records (dotted and dashed keys), merged (\"ddb_keys\")")
    g.append("  " + (", ".join(merged) or "-"))
    g.append("")
    g.append("## Closures")
    g.append("# all  = follow every Requires-Dist of every version (what the snapshot holds)")
    g.append("# core = same, but skip requirements whose marker mentions an extra; its absent")
    g.append("#        names are the gaps that can break a plain resolve of the file")
    g.append("# label\troots\tall present/absent\tcore present/absent\tabsent roots")
    for label in sorted(roots):
        p, a, cp, ca = per_root_stats[label]
        ar = sorted({r for r in roots[label] if r not in graph})
        if len(ar) > 12:
            ar = ar[:12] + [f"+{len(ar) - 12} more"]
        g.append(f"{label}\t{len(set(roots[label]))}\t{p}/{a}\t{cp}/{ca}\t{', '.join(ar) or '-'}")
    g.append("")
    g.append("## Core-closure gaps per closure (absent names reached without extras)")
    for label in sorted(roots):
        names = sorted(n for n, ls in core_absent_by.items() if label in ls)
        g.append(f"{label}: {', '.join(names) or '-'}")
    g.append("")
    g.append(f"## {TOP_ROOT}: the first {TOP_N} top-15000.tsv projects present in the data")
    g.append(f"ranks 1..{last_rank} were scanned; {len(top_absent_ranks)} of them are absent "
             f"({sum(1 for r, _ in top_absent_ranks if r <= TOP_N)} within ranks 1..{TOP_N}):")
    for rank, orig in top_absent_ranks:
        g.append(f"  {rank}\t{orig}")
    g.append("")
    g.append("## Filled from debian-bookworm-fill.json (one version each)")
    for name in sorted(fill):
        vers = known_versions(fill[name])
        state = "in snapshot" if name in selected else "not reached"
        for v in sorted(vers):
            g.append(f"  {name} {v}\t{state}\t{vers[v].get('src', '')}")
    g.append("")
    g.append("## Core-closure projects whose wheel shard is missing from pypi-deps-db")
    g.append("# Their versions come from sdist setup.py runs only, so releases built without")
    g.append("# setup.py (pyproject-only) are missing. name, highest version in the snapshot:")
    for name in sorted(truncated):
        g.append(f"  {name} {truncated[name]}")
    g.append("")
    g.append("## Absent names referenced by the closures")
    g.append("# name\tcore closures needing it ('extras only' = reached only through extras)"
             "\tdirect dependents (up to 5; '(root)' = listed in a requirement file or top list)")
    for name in sorted(absent_by):
        labels = sorted(core_absent_by.get(name, ()))
        if not labels:
            shown = "extras only"
        elif len(labels) > 3:
            shown = ", ".join(labels[:3]) + f", +{len(labels) - 3} more"
        else:
            shown = ", ".join(labels)
        deps = sorted(parents_of.get(name, ()))
        dshown = ", ".join(deps[:5]) + (f", +{len(deps) - 5} more" if len(deps) > 5 else "")
        g.append(f"{name}\t{shown}\t{dshown}")
    (out / GAPS_NAME).write_text("\n".join(g) + "\n", encoding="utf-8")

    if args.with_fixtures:
        copy_fixtures(data, out, top_rows)
        log("fixtures copied")

    log(f"done in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
