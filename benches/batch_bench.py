#!/usr/bin/python3
"""The driver of benches/batch.sh: many small resolutions in one `resolve batch` process,
against the same problems as separate processes and as one libsolv testcase.

    benches/batch_bench.py --bin DIR --work DIR --index-url URL --names FILE --out RESULTS.md
                           [--limit N] [--head-rounds N] [--matrix-rounds N] [--command TEXT]
    benches/batch_bench.py --libsolv-case UNIVERSE.json NAMES OUT_DIR [--slow]   (the testcases only)
    benches/batch_bench.py --render WORK/results.json --out RESULTS.md            (the Markdown again)

Every job is one project of NAMES resolved alone (`{"id": NAME, "requirements": [NAME]}`), warm
(the cache filled by one batch run over the index first), `--offline`, Python 3.11.7 on linux.
The steps, in order:

 1. fill the cache (one batch run, online);
 2. the answers: every variant of the allocator matrix runs the batch once with `-v` (its
    `allocations:` line gives the cross-thread frees), plus a plain `--allocator system` run at
    each thread count; each job's pins and exit code are compared with those of the same
    project resolved by its own `resolve --format json` process;
 3. the libsolv testcases (cached in WORK/libsolv-N, keyed by the universe and the names),
    and testsolv's answers, run once;
 4. the head-to-head, interleaved (ab.py's method: every command once per round, in a fresh
    random order; no warm-up round, steps 2 and 3 ran each kind once): the batch at --threads
    1 and 2, the same problems as separate processes under GNU parallel -j2 and under xargs
    -P2, GNU parallel running `true` in place of resolve (the launcher's own cost), and
    testsolv on three testcases (below);
 5. the allocator matrix, interleaved the same way (two warm-up rounds): every --allocator
    strategy and every whole-process variant at --threads 1 and 2.

Every timed command runs under `/usr/bin/time -f '%M %U %S'`: peak RSS is its %M (KiB).
Ratios are medians of per-round ratios with a 95 % bootstrap interval (2,000 resamples).

testsolv: the universe (the projects the names can reach, rank-encoded as
benches/libsolv_case.py does) is written once per testcase file, followed by
  real.t     one root package per name and one job (`job install name`) per name, `nextjob`
             between them;
  trivial.t  the same number of jobs, each installing one package without dependencies;
  base.t     one such trivial job.
testsolv re-runs pool_addfileprovides + pool_createwhatprovides and solver_create for every
job (testcase_read does), so `real - trivial` (paired per round) is the solving alone:
solver_solve and the result text (transaction or problems) of each job; `trivial - base` is
testsolv's per-job overhead; `base` is reading the universe.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STRATEGIES = ["system", "mimalloc", "jemalloc", "tbbmalloc", "pool-std", "pool-boost", "arena"]
TBBMALLOC_PROXY = "/usr/lib/x86_64-linux-gnu/libtbbmalloc_proxy.so.2"
PYTHON_VERSION = "3.11.7"
TARGET = ["--python-version", PYTHON_VERSION, "--python-platform", "linux"]


# ---------------------------------------------------------------------------------------------
# libsolv testcases


def fast_problem_class():
    """rank_encode.Problem with its two hot spots memoized: a requirement line is parsed and
    its marker evaluated once per (line, extra), and a specifier is evaluated once per
    (project, clause) as a bit mask over the project's ranks. The testcase it writes is the
    same, byte for byte (checked on the first 50 names of the top-1,000 list)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import Specifier, SpecifierSet
    from packaging.version import Version
    from rank_encode import Problem, compress

    class FastProblem(Problem):
        def __init__(self, *args, **kwargs):
            self._lines, self._clauses, self._arrays, self._sets = {}, {}, {}, {}
            super().__init__(*args, **kwargs)

        def _marker_filter(self, info, extra):
            out = []
            for s in info.get("requires_dist", []):
                key = (s, extra)
                if key not in self._lines:
                    self._lines[key] = self._keep(s, extra)
                if self._lines[key] is not None:
                    out.append(self._lines[key])
            return out

        def _keep(self, s, extra):
            try:
                r = Requirement(s)
            except InvalidRequirement:
                return None
            if r.marker is not None:
                try:
                    if not r.marker.evaluate(dict(self.env, extra=extra or "")):
                        return None
                except Exception:
                    return None
                if extra and "extra" not in str(r.marker):
                    return None
            elif extra:
                return None
            return r

        def _array(self, name):
            if name not in self._arrays:
                vers = [v for v, _ in self._src.get(name, [])]
                pub = [v if v.local is None else Version(v.public) for v in vers]
                base = [Version(v.base_version) for v in vers]
                finals = sum(1 << i for i, v in enumerate(vers) if not v.is_prerelease)
                self._arrays[name] = (vers, pub, base, finals, (1 << len(vers)) - 1)
            return self._arrays[name]

        def _clause(self, name, clause):
            key = (name, str(clause))
            if key in self._clauses:
                return self._clauses[key]
            vers, pub, base, _, _ = self._array(name)
            op, text = clause.operator, clause.version
            if op in (">=", "<=", "<", ">") or (op in ("==", "!=") and not text.endswith(".*")):
                s = Version(text)
                sbase = Version(s.base_version)
                if op == ">=":
                    ok = [p >= s for p in pub]
                elif op == "<=":
                    ok = [p <= s for p in pub]
                elif op == "<":
                    ok = [v < s and not (not s.is_prerelease and v.is_prerelease and b == sbase)
                          for v, b in zip(vers, base)]
                elif op == ">":
                    ok = [v > s and not (not s.is_postrelease and v.is_postrelease and b == sbase)
                          and not (v.local is not None and b == sbase) for v, b in zip(vers, base)]
                else:
                    ok = [(v if s.local else p) == s for v, p in zip(vers, pub)]
                    if op == "!=":
                        ok = [not x for x in ok]
            else:
                ok = [clause.contains(v, prereleases=True) for v in vers]
            mask = sum(1 << i for i, x in enumerate(ok) if x)
            self._clauses[key] = mask
            return mask

        def _runs(self, name, spec):
            key = (name, spec)
            if key in self._cache:
                return self._cache[key]
            vers, _, _, finals, full = self._array(name)
            spec_set = SpecifierSet(spec)
            clauses = list(spec_set)
            if clauses:
                mask = full
                for c in clauses:
                    mask &= self._clause(name, c)
                if not (self.pre or any(c.prereleases for c in clauses)):
                    mask &= finals
            else:
                mask = full if self.pre else (finals or full)
            ranks = {i + 1 for i in range(len(vers)) if mask >> i & 1}
            self._cache[key] = None if vers and len(ranks) == len(vers) else compress(ranks, len(vers))
            return self._cache[key]

    return FastProblem


def write_libsolv_cases(universe: Path, names: list[str], out: Path, slow: bool = False) -> dict:
    """Writes real.t, trivial.t and base.t in `out` (see the module's docstring); returns what
    it wrote. Reuses them when `out/info.json` has the key of the universe and the names.
    `slow`: rank_encode.Problem as it is (the reference)."""
    key = hashlib.sha256(universe.read_bytes() + "\n".join(names).encode()).hexdigest()
    info_path = out / "info.json"
    if info_path.exists() and not slow:
        info = json.loads(info_path.read_text())
        if info.get("key") == key and all((out / f).exists() for f in ("real.t", "trivial.t", "base.t")):
            return info
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    import libsolv_case  # noqa: E402  (puts the peers' folder on sys.path)
    from gen_testsolv import dep_str  # noqa: E402
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from rank_encode import ROOT, Problem  # noqa: E402

    started = time.perf_counter()
    env = default_environment()
    env.update(python_full_version=PYTHON_VERSION, python_version=".".join(PYTHON_VERSION.split(".")[:2]),
               sys_platform="linux", platform_system="Linux", os_name="posix")
    roots = [Requirement(n) for n in names]
    packages = {canonicalize_name(k): v for k, v in json.loads(universe.read_text())["packages"].items()}
    keep = libsolv_case.reachable(packages, roots, env)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"packages": {n: packages[n] for n in sorted(keep) if n in packages}}, f)
    try:
        problem = (Problem if slow else fast_problem_class())(f.name, names, PYTHON_VERSION)
    finally:
        os.unlink(f.name)
    lines = ["repo system 0 testtags <inline>", "repo available 0 testtags <inline>"]
    for name, versions in problem.projects.items():
        if name == ROOT:
            continue
        for i, v in enumerate(versions):
            lines.append(f"#>=Pkg: {name} {i + 1} {v} noarch")
            for target, runs in problem.deps.get((name, i + 1), []):
                lines.append(f"#>=Req: {dep_str(target, runs, len(problem.projects.get(target, [])))}")
    for i, name in enumerate(names):
        lines.append(f"#>=Pkg: __job__{i} 1 0 noarch")
        for target, runs in problem._reqs([Requirement(name)], set()):
            lines.append(f"#>=Req: {dep_str(target, runs, len(problem.projects.get(target, [])))}")
    lines.append("#>=Pkg: __empty__ 1 0 noarch")
    lines.append("system x86_64 rpm system")
    head = "\n".join(lines) + "\n"

    def jobs(words):
        return "nextjob\n".join(f"job install name {w}\n" for w in words)

    (out / "real.t").write_text(head + jobs(f"__job__{i}" for i in range(len(names))))
    (out / "trivial.t").write_text(head + jobs("__empty__" for _ in names))
    (out / "base.t").write_text(head + jobs(["__empty__"]))
    info = {"key": key, "projects": len(problem.projects) - 1,
            "versions": sum(len(v) for n, v in problem.projects.items() if n != ROOT),
            "jobs": len(names), "encode_seconds": round(time.perf_counter() - started, 1),
            "bytes": (out / "real.t").stat().st_size}
    info_path.write_text(json.dumps(info))
    return info


def testsolv_answers(text: str, n: int) -> list[dict]:
    """Per job of `testsolv -r real.t`'s output: solved or not, and the pins."""
    answers = [{"solved": True, "pins": {}} for _ in range(n)]
    current = 0 if n == 1 else None
    for line in text.splitlines():
        m = re.match(r"test (\d+):$", line)
        if m:
            current = int(m.group(1)) - 1
            continue
        if current is None:
            continue
        m = re.match(r"install (.+)-(\d+)-(.+)\.noarch@available$", line)
        if m and not m.group(1).startswith("__") and "[" not in m.group(1):
            answers[current]["pins"][m.group(1)] = m.group(3)
        elif line.startswith("problem"):
            answers[current]["solved"] = False
    return answers


# ---------------------------------------------------------------------------------------------
# running and timing


def timed(argv: list[str], env: dict | None = None, stdout=None, stderr=None) -> dict:
    """Runs argv under /usr/bin/time; returns wall seconds, peak RSS (KiB), user and system
    seconds and the exit status."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        full = ["/usr/bin/time", "-f", "%M %U %S", "-o", t.name] + argv
        start = time.perf_counter()
        p = subprocess.run(full, env=env, stdout=stdout or subprocess.DEVNULL, stderr=stderr or subprocess.DEVNULL)
        wall = time.perf_counter() - start
        words = t.read().split()
    # With a non-zero exit, time writes "Command exited with non-zero status N" first.
    rss, user, sys_ = (float(w) for w in words[-3:])
    return {"wall": wall, "rss": int(rss), "user": user, "sys": sys_, "status": p.returncode}


def interleave(commands: list[dict], rounds: int, warmup: int, label: str) -> dict[str, list[dict]]:
    """ab.py's method: each round runs every command once, in a fresh random order."""
    samples = {c["name"]: [] for c in commands}
    order_rng = random.Random()
    total = warmup + rounds
    for r in range(total):
        order = list(commands)
        order_rng.shuffle(order)
        for c in order:
            s = timed(c["argv"], c.get("env"))
            if not c.get("any_status") and s["status"] != 0:
                sys.exit(f"batch_bench: exit status {s['status']}: {shlex.join(c['argv'])}")
            if r >= warmup:
                samples[c["name"]].append(s)
        print(f"  {label}: round {r + 1}/{total}{' (warm-up)' if r < warmup else ''}, "
              f"load {load()}", file=sys.stderr, flush=True)
    return samples


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median_ci(values: list[float], seed: int = 1) -> tuple[float, float, float]:
    """Median and its 95 % bootstrap interval."""
    rng = random.Random(seed)
    boot = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(2000))
    return statistics.median(values), boot[49], boot[1949]


def ratio(a: list[dict], b: list[dict]) -> tuple[float, float, float]:
    """Per-round a/b of wall times: median and interval."""
    return median_ci([x["wall"] / y["wall"] for x, y in zip(a, b)])


def fmt_ci(t: tuple[float, float, float], digits: int = 3) -> str:
    return f"{t[0]:.{digits}f} ({t[1]:.{digits}f} to {t[2]:.{digits}f})"


ALLOC_LINE = re.compile(r"allocations: (\d+) allocs, (\d+) frees, (\d+) bytes, peak (\d+) bytes, (\d+) cross-thread frees")


# ---------------------------------------------------------------------------------------------
# answers


def batch_answers(path: Path) -> dict[str, dict]:
    out = {}
    for line in path.read_text().splitlines():
        j = json.loads(line)
        out[str(j["id"])] = {"code": j["exit_code"], "error": j["error"],
                             "pins": sorted((p["name"], p["version"]) for p in j.get("packages", []))}
    return out


def single_answers(folder: Path, names: list[str]) -> dict[str, dict]:
    out = {}
    for n in names:
        code = int((folder / f"{n}.rc").read_text())
        pins = []
        if code == 0:
            doc = json.loads((folder / f"{n}.json").read_text())
            pins = sorted((p["name"], p["version"]) for p in doc["packages"])
        error = (folder / f"{n}.err").read_text()
        if error.startswith("error: "):
            error = error[7:]
        out[n] = {"code": code, "error": error.rstrip("\n") or None, "pins": pins}
    return out


def compare(a: dict, b: dict) -> dict:
    """Jobs whose exit code or pins differ, and jobs whose error text differs."""
    differ = sorted(k for k in a if k not in b or a[k]["code"] != b[k]["code"] or a[k]["pins"] != b[k]["pins"])
    differ += sorted(k for k in b if k not in a)
    errors = sorted(k for k in a if k in b and a[k]["code"] and a[k]["code"] == b[k]["code"]
                    and a[k]["error"] != b[k]["error"])
    return {"differ": differ, "error_text_differs": errors}


# ---------------------------------------------------------------------------------------------


def variants(bindir: Path) -> list[dict]:
    """The allocator matrix: (name, argv prefix, env)."""
    base = dict(os.environ)
    out = [{"name": s, "argv": [str(bindir / "resolve"), "batch"], "alloc": ["--allocator", s], "env": base}
           for s in STRATEGIES]
    for heap in ("mimalloc", "jemalloc"):
        out.append({"name": f"resolve-{heap}", "argv": [str(bindir / f"resolve-{heap}"), "batch"], "alloc": [],
                    "env": base})
    if Path(TBBMALLOC_PROXY).exists():
        out.append({"name": "tbbmalloc-proxy", "argv": [str(bindir / "resolve"), "batch"], "alloc": [],
                    "env": dict(base, LD_PRELOAD=TBBMALLOC_PROXY)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--libsolv-case", nargs=3, metavar=("UNIVERSE", "NAMES", "OUT_DIR"))
    ap.add_argument("--slow", action="store_true", help="with --libsolv-case: the reference encoder")
    ap.add_argument("--bin", type=Path)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--index-url")
    ap.add_argument("--universe", type=Path)
    ap.add_argument("--names", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="only the first N names")
    ap.add_argument("--head-rounds", type=int, default=3)
    ap.add_argument("--matrix-rounds", type=int, default=30)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--command", default="benches/batch.sh")
    ap.add_argument("--load-start", help="/proc/loadavg when the run began (default: now)")
    ap.add_argument("--render", type=Path, metavar="RESULTS.json", help="only write --out again from a run's results.json")
    a = ap.parse_args()
    if a.libsolv_case:
        names = [n.split("#")[0].strip() for n in Path(a.libsolv_case[1]).read_text().splitlines()]
        print(write_libsolv_cases(Path(a.libsolv_case[0]), [n for n in names if n], Path(a.libsolv_case[2]),
                                  a.slow))
        return
    if a.render:
        r = json.loads(a.render.read_text())
        a.out.write_text(markdown(r, a, r["names"]))
        return
    run(a)


def run(a) -> None:
    started = time.time()
    # `--allocator jemalloc` opens pyresolve's jemalloc copy after start-up, which needs glibc's
    # static TLS reserve raised (allocator/README.md); every command runs with it alike.
    tunables = [t for t in os.environ.get("GLIBC_TUNABLES", "").split(":") if t]
    if not any(t.startswith("glibc.rtld.optional_static_tls=") for t in tunables):
        os.environ["GLIBC_TUNABLES"] = ":".join(tunables + ["glibc.rtld.optional_static_tls=4096"])
    load_start = (a.load_start or Path("/proc/loadavg").read_text()).strip()
    work: Path = a.work
    names = [n.split("#")[0].strip() for n in a.names.read_text().splitlines()]
    names = [n for n in names if n]
    if a.limit:
        names = names[: a.limit]
    n = len(names)
    work.mkdir(parents=True, exist_ok=True)
    (work / "names.txt").write_text("".join(f"{x}\n" for x in names))
    jobs = work / "jobs.jsonl"
    jobs.write_text("".join(json.dumps({"id": x, "requirements": [x]}) + "\n" for x in names))
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    common = ["--index-url", a.index_url, *TARGET, "--cache-dir", str(cache), "--no-progress"]
    warm = common + ["--offline"]
    resolve = str(a.bin / "resolve")
    report: dict = {"names": n, "command": a.command}

    # 1. the cache
    print(f"batch_bench: {n} jobs; filling the cache ({cache})", file=sys.stderr, flush=True)
    fill = timed([resolve, "batch", str(jobs), *common, "--threads", "2", "-q"])
    if fill["status"] != 0:
        sys.exit("batch_bench: the cache-filling batch failed")
    report["fill_seconds"] = fill["wall"]

    # 2. the answers
    print("batch_bench: the answers (every variant once with -v; one process per job)", file=sys.stderr, flush=True)
    answers_dir = work / "answers"
    answers_dir.mkdir(exist_ok=True)
    alloc_lines: dict[str, dict] = {}
    batch_outputs: dict[str, Path] = {}
    summary_line = re.compile(r"Ran (\d+) jobs? in [\d.]+s \([\d.]+ jobs/s\): (\d+) resolved, (\d+) without a solution, (\d+) failed")
    summaries = {}
    for v in variants(a.bin):
        for t in (1, 2):
            key = f"{v['name']} t{t}"
            out_path = answers_dir / f"batch-{v['name']}-t{t}-v.jsonl"
            with open(out_path, "w") as o, open(answers_dir / "stderr.txt", "w+") as e:
                p = subprocess.run(v["argv"] + [str(jobs), *warm, *v["alloc"], "--threads", str(t), "-v"],
                                   env=v["env"], stdout=o, stderr=e)
                e.seek(0)
                err = e.read()
            if p.returncode != 0:
                sys.exit(f"batch_bench: {key} -v exited {p.returncode}:\n{err}")
            m = ALLOC_LINE.search(err)
            alloc_lines[key] = dict(zip(("allocs", "frees", "bytes", "peak", "cross"), map(int, m.groups()))) if m else {}
            s = summary_line.search(err)
            summaries[key] = s.group(0) if s else None
            batch_outputs[key + " -v"] = out_path
    for t in (1, 2):
        out_path = answers_dir / f"batch-system-t{t}.jsonl"
        with open(out_path, "w") as o:
            subprocess.run([resolve, "batch", str(jobs), *warm, "--threads", str(t), "-q"], stdout=o, check=True)
        batch_outputs[f"system t{t}"] = out_path
    single = answers_dir / "single"
    single.mkdir(exist_ok=True)
    per_job = (f"echo \"$1\" | {shlex.quote(resolve)} - {shlex.join(warm)} --format json -q"
               f" > {shlex.quote(str(single))}/\"$1\".json 2> {shlex.quote(str(single))}/\"$1\".err;"
               f" echo $? > {shlex.quote(str(single))}/\"$1\".rc")
    subprocess.run(["xargs", "-P2", "-n1", "sh", "-c", per_job, "sh"], stdin=open(work / "names.txt"), check=True)
    singles = single_answers(single, names)
    checks = {}
    for key, path in batch_outputs.items():
        checks[key] = compare(batch_answers(path), singles)
    report["answers"] = {
        "single_resolved": sum(1 for x in singles.values() if x["code"] == 0),
        "single_codes": dict(sorted(
            (str(c), sum(1 for x in singles.values() if x["code"] == c)) for c in {x["code"] for x in singles.values()})),
        "checks": checks, "summaries": summaries}

    # 3. libsolv
    print("batch_bench: the libsolv testcases", file=sys.stderr, flush=True)
    cases = work / f"libsolv-{n}"
    info = write_libsolv_cases(a.universe, names, cases)
    report["libsolv"] = info
    with open(cases / "real.out", "w") as o:
        subprocess.run(["testsolv", "-r", str(cases / "real.t")], stdout=o, check=True)
    ts = testsolv_answers((cases / "real.out").read_text(), n)
    ours = batch_answers(batch_outputs["system t2"])
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    def norm(pins):
        return sorted((canonicalize_name(k), str(Version(v))) for k, v in pins)
    both = [x for i, x in enumerate(names) if ts[i]["solved"] and ours[x]["code"] == 0]
    report["libsolv"].update(
        solved=sum(1 for x in ts if x["solved"]), both=len(both),
        neither=sum(1 for i, x in enumerate(names) if not ts[i]["solved"] and ours[x]["code"] != 0),
        same_pins=sum(1 for i, x in enumerate(names) if x in both and norm(ts[i]["pins"].items()) == norm(ours[x]["pins"])),
        only_testsolv=[x for i, x in enumerate(names) if ts[i]["solved"] and ours[x]["code"] != 0],
        only_batch=[x for i, x in enumerate(names) if not ts[i]["solved"] and ours[x]["code"] == 0])

    # 4. the head-to-head
    print("batch_bench: head-to-head", file=sys.stderr, flush=True)
    names_file = str(work / "names.txt")
    proc = f"echo {{}} | {shlex.quote(resolve)} - {shlex.join(warm)} -o /dev/null -q 2>/dev/null"
    head = [
        {"name": "batch t1", "argv": [resolve, "batch", str(jobs), *warm, "--threads", "1", "-q"]},
        {"name": "batch t2", "argv": [resolve, "batch", str(jobs), *warm, "--threads", "2", "-q"]},
        {"name": "processes (parallel -j2)", "any_status": True,
         "argv": ["parallel", "-j2", "--will-cite", proc, "::::", names_file]},
        {"name": "processes (xargs -P2)", "any_status": True,
         "argv": ["xargs", "-P2", "-I{}", "sh", "-c", proc], "stdin": names_file},
        {"name": "parallel -j2 running true", "any_status": True,
         "argv": ["parallel", "-j2", "--will-cite", "echo {} | true", "::::", names_file]},
        {"name": "testsolv real.t", "argv": ["testsolv", "-r", str(cases / "real.t")]},
        {"name": "testsolv trivial.t", "argv": ["testsolv", "-r", str(cases / "trivial.t")]},
        {"name": "testsolv base.t", "argv": ["testsolv", "-r", str(cases / "base.t")]},
    ]
    # xargs reads its names from standard input: through sh, so that timed() stays one argv.
    for c in head:
        if "stdin" in c:
            c["argv"] = ["sh", "-c", f"{shlex.join(c['argv'])} < {shlex.quote(c['stdin'])}"]
    head_samples = interleave(head, a.head_rounds, 0, "head-to-head")
    report["head"] = head_samples

    # 5. the allocator matrix
    print("batch_bench: allocator matrix", file=sys.stderr, flush=True)
    matrix = []
    for v in variants(a.bin):
        for t in (1, 2):
            matrix.append({"name": f"{v['name']} t{t}", "env": v["env"],
                           "argv": v["argv"] + [str(jobs), *warm, *v["alloc"], "--threads", str(t), "-q"]})
    matrix_samples = interleave(matrix, a.matrix_rounds, 2, "allocator matrix")
    report["matrix"] = matrix_samples
    report["alloc_lines"] = alloc_lines

    report["seconds"] = time.time() - started
    report["load_start"] = load_start
    report["load_end"] = Path("/proc/loadavg").read_text().strip()
    (work / "results.json").write_text(json.dumps(report, indent=1))
    md = markdown(report, a, n)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    print(md)
    print(f"batch_bench: {report['seconds'] / 60:.1f} min; results in {a.out} and {work / 'results.json'}",
          file=sys.stderr)


def markdown(r: dict, a, n: int) -> str:
    h = r["head"]
    m = r["matrix"]

    def med(samples, field="wall"):
        return statistics.median(s[field] for s in samples)

    def cpus(samples):
        return statistics.median((s["user"] + s["sys"]) / s["wall"] for s in samples)

    def rss_mib(samples):
        return f"{statistics.median(s['rss'] for s in samples) / 1024:.0f}"

    try:
        model = next(l.split(":", 1)[1].strip() for l in subprocess.run(
            ["lscpu"], capture_output=True, text=True).stdout.splitlines() if l.startswith("Model name"))
    except StopIteration:
        model = platform.processor()
    commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    L = []
    L.append(f"# resolve batch: {n} projects each resolved alone, {time.strftime('%Y-%m-%d', time.gmtime())}\n")
    L.append(f"- command: `{r['command']}` ({r['seconds'] / 60:.1f} min)")
    L.append(f"- build: `{commit}`, build/release (`resolve`, `resolve-mimalloc`, `resolve-jemalloc`)")
    L.append(f"- machine: {os.cpu_count()} CPUs (nproc), {model}")
    L.append(f"- load average (/proc/loadavg): at the start `{r['load_start']}`, at the end `{r['load_end']}`")
    L.append(f"- problems: the first {n} names of data/top-pypi/top-1000.txt, one job each "
             f"(`{{\"id\": NAME, \"requirements\": [NAME]}}`); index: make-index tree of the 2023-09 snapshot "
             f"(closure of the 1,000 names) served by nginx on 127.0.0.1; warm cache (filled by one batch run, "
             f"{r['fill_seconds']:.1f} s), `--offline --python-version 3.11.7 --python-platform linux`")
    L.append(f"- rounds: head-to-head {len(h['batch t1'])} (no warm-up round: the answers "
             f"pass ran the batch, one process per job and testsolv once before), allocator matrix "
             f"{len(m['system t1'])} (+2 warm-up); each round runs every command once in a fresh random order")
    L.append("")

    ans = r["answers"]
    L.append("## Answers\n")
    L.append(f"Alone, one `resolve - --format json` process per project: {ans['single_resolved']} of {n} resolve "
             f"(exit codes: {', '.join(f'{k}: {v}' for k, v in ans['single_codes'].items())}).\n")
    L.append("| batch run | summary line | jobs whose exit code or pins differ from the process's | failed jobs whose error text differs |")
    L.append("|---|---|---|---|")
    for key, c in ans["checks"].items():
        summ = ans["summaries"].get(key.removesuffix(" -v"), "") if key.endswith(" -v") else ""
        differ = ", ".join(c["differ"][:20]) + (" …" if len(c["differ"]) > 20 else "") if c["differ"] else "none"
        errs = (f"{len(c['error_text_differs'])}: " + ", ".join(c["error_text_differs"][:8]) +
                (" …" if len(c["error_text_differs"]) > 8 else "")) if c["error_text_differs"] else "none"
        L.append(f"| `{key}` | {summ or '—'} | {differ} | {errs} |")
    L.append("")

    L.append("## Head-to-head\n")
    L.append("Wall time and peak RSS are medians over the rounds; jobs/s = jobs / median wall time.\n")
    L.append("| command | wall (s) | jobs/s | peak RSS (MiB) | user (s) | sys (s) | CPUs busy ((user + sys) / wall) |")
    L.append("|---|---|---|---|---|---|---|")
    for name, s in h.items():
        L.append(f"| {name} | {med(s):.3f} | {n / med(s):.0f} | {rss_mib(s)} | {med(s, 'user'):.2f} | "
                 f"{med(s, 'sys'):.2f} | {cpus(s):.2f} |")
    solve = [x["wall"] - y["wall"] for x, y in zip(h["testsolv real.t"], h["testsolv trivial.t"])]
    overhead = [x["wall"] - y["wall"] for x, y in zip(h["testsolv trivial.t"], h["testsolv base.t"])]
    s_ci, o_ci = median_ci(solve), median_ci(overhead)
    L.append(f"| testsolv, solving only (real − trivial, per round) | {s_ci[0]:.3f} | {n / s_ci[0]:.0f} | | | | |")
    L.append("")
    L.append(f"testsolv's per-job overhead (trivial − base): {fmt_ci(o_ci)} s for {n} jobs; reading the universe "
             f"(base): {med(h['testsolv base.t']):.3f} s. The testcase: {r['libsolv']['projects']} projects, "
             f"{r['libsolv']['versions']} versions, {r['libsolv']['bytes'] / 1e6:.1f} MB (encoded in "
             f"{r['libsolv']['encode_seconds']} s, not timed).\n")
    ls = r["libsolv"]
    L.append(f"testsolv's answers against the batch's: both solve {ls['both']} (the same pins for {ls['same_pins']}), "
             f"neither solves {ls['neither']}; only testsolv solves {len(ls['only_testsolv'])} "
             f"({', '.join(ls['only_testsolv']) or 'none'}), only the batch {len(ls['only_batch'])} "
             f"({', '.join(ls['only_batch']) or 'none'}). The rank encoding is pip's reading for one environment: "
             f"it drops a version whose Requires-Python excludes 3.11.7 by its upper bound too (resolve reads the "
             f"lower bound, as uv does), skips a requirement line it cannot parse instead of refusing the version, "
             f"knows no wheel tags or yanked files, and libsolv may pick another of several valid answers.\n")
    L.append("| ratio (per round, median, 95 % interval) | value |")
    L.append("|---|---|")
    L.append(f"| speedup --threads 1 → 2 (t1 wall / t2 wall) | {fmt_ci(ratio(h['batch t1'], h['batch t2']))} |")
    for t in (1, 2):
        L.append(f"| batch t{t} / processes under parallel -j2, throughput | "
                 f"{fmt_ci(ratio(h['processes (parallel -j2)'], h[f'batch t{t}']), 1)} |")
        L.append(f"| batch t{t} / processes under xargs -P2, throughput | "
                 f"{fmt_ci(ratio(h['processes (xargs -P2)'], h[f'batch t{t}']), 1)} |")
        L.append(f"| batch t{t} / testsolv solving only, throughput | "
                 f"{fmt_ci(median_ci([x / y['wall'] for x, y in zip(solve, h[f'batch t{t}'])]), 2)} |")
        L.append(f"| batch t{t} / testsolv whole real.t run, throughput | "
                 f"{fmt_ci(ratio(h['testsolv real.t'], h[f'batch t{t}']), 2)} |")
    L.append(f"| parallel -j2 running `true` / processes under parallel -j2 (the launcher's share) | "
             f"{fmt_ci(ratio(h['parallel -j2 running true'], h['processes (parallel -j2)']))} |")
    L.append("")

    L.append("## Allocator matrix\n")
    L.append("Ratio: the variant's wall time / `--allocator system`'s at the same thread count, per round; "
             "cross-thread share: cross-thread frees / frees of the pmr resource, from one `-v` run; "
             "peak RSS: median %M.\n")
    L.append("| variant | threads | wall (s) | jobs/s | ratio to system (95 %) | cross-thread frees / frees | "
             "peak RSS (MiB) | CPUs busy |")
    L.append("|---|---|---|---|---|---|---|---|")
    for key, s in m.items():
        name, t = key.rsplit(" t", 1)
        base = m[f"system t{t}"]
        rat = "1" if name == "system" else fmt_ci(ratio(s, base))
        al = r["alloc_lines"].get(key) or {}
        share = (f"{al['cross']:,} / {al['frees']:,} = {100 * al['cross'] / al['frees']:.3f} %"
                 if al.get("frees") else "—")
        L.append(f"| {name} | {t} | {med(s):.3f} | {n / med(s):.0f} | {rat} | {share} | {rss_mib(s)} | {cpus(s):.2f} |")
    L.append("")
    L.append("| variant | speedup --threads 1 → 2 (95 %) |")
    L.append("|---|---|")
    for key in m:
        if key.endswith(" t1"):
            name = key[:-3]
            L.append(f"| {name} | {fmt_ci(ratio(m[f'{name} t1'], m[f'{name} t2']))} |")
    L.append("")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
