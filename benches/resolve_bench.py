#!/usr/bin/python3
"""The resolve benchmark suite: resolve-warm, resolve-cold and resolve-noop over
real requirement files, across the pmr strategies and the whole-process allocator variants,
with 1 and 2 worker threads, plus peers: pip (resolve-only) on the same index and Poetry's
solver (in memory, benches/poetry_peer.py) on the same data.

resolve-noop: `resolve -o OUT` where OUT already holds the pins (without the header, which
quotes the command line); after every block the suite checks that OUT is byte for byte what it
was.

Every timing is a hyperfine run (`hyperfine -N`, Debian's package). Variants are run in
alternating blocks (round-robin, a different rotation each round) so that drift on this
shared machine hits every variant equally; the blocks of one variant are pooled.

Ratios are reported two ways:
  * hyperfine's style: ratio of means with the propagated standard deviation (how spread
    single runs are);
  * the ratio of medians with its bootstrap standard error (how well the ratio is known),
    which is the figure the ±2 % target applies to.

Outputs (in --out): results.json, results.md, results.png (matplotlib) and the raw hyperfine
JSON of every block. Run `benches/run.sh --help` for the one-command entry point.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The pmr strategies the CLI selects with --allocator, and the whole-process variants.
PMR_STRATEGIES = ["system", "mimalloc", "jemalloc", "tbbmalloc", "pool-std", "pool-boost", "arena"]
TBBMALLOC_PROXY = "/usr/lib/x86_64-linux-gnu/libtbbmalloc_proxy.so.2"
# A variant's `-defaults` twin runs every heap with its library's defaults: the program's
# short-run settings off (PYRESOLVE_HEAP_TUNING=off), and jemalloc's, which the -jemalloc
# program compiles in, put back to jemalloc 5.3's defaults (allocator/heap_tuning.hpp).
HEAP_DEFAULTS_ENV = {"PYRESOLVE_HEAP_TUNING": "off",
                     "MALLOC_CONF": "thp:default,metadata_thp:disabled,dirty_decay_ms:10000,muzzy_decay_ms:0,"
                                    "background_thread:false"}
# The pmr strategies whose heap has settings of its own; the others only differ through the
# process's glibc, so their twin measures that.
TUNABLE_STRATEGIES = {"system", "mimalloc", "tbbmalloc"}

WORKLOADS = {
    "black": ["-r", "data/uv-requirements/black.in"],
    "jupyter": ["-r", "data/uv-requirements/jupyter.in"],
    "boto3": ["-r", "data/uv-requirements/boto3.in"],
    "pdm_2193": ["-r", "data/uv-requirements/pdm_2193.in"],
    "jupyterlab": ["jupyterlab"],
    "dask-complete": ["dask[complete]"],
    "prefect": ["prefect"],
    "great-expectations": ["great-expectations"],
    # The top projects that the bundled data resolves one by one (benches/top1000/make-list.sh and
    # make-top100.sh), resolved together.
    "top-100": ["-r", "benches/top1000/top-100-resolvable.in"],
    "top-1000": ["-r", "benches/top1000/top-1000-resolvable.in"],
    # Universal resolution of the fork-heavy input (benches/universal.sh): its requirements split
    # by Python version and platform, and the forks are solved as tasks on the workers.
    "top-100-universal": ["-r", "benches/top1000/top-100-resolvable.in"],
    # `resolve batch` over the resolvable top-1,000 projects, one job each: jobs resolve in
    # parallel on the workers over one shared index stack.
    "batch-top-1000": ["--batch", "benches/top1000/top-1000-resolvable.in"],
}
# Workloads whose target replaces the fixed --python-version/--python-platform one.
WORKLOAD_TARGET = {"top-100-universal": ["--universal", "--python-version", "3.8"]}


@dataclass
class variant:
    name: str
    binary: str
    allocator: str | None  # --allocator value, None for whole-process variants
    preload: str | None = None
    extra_env: dict = field(default_factory=dict)

    def argv(self, threads: int, batch_jobs: Path | None = None) -> list[str]:
        cmd = [self.binary] + (["batch", str(batch_jobs)] if batch_jobs else [])
        if self.allocator:
            cmd += ["--allocator", self.allocator]
        cmd += ["--threads", str(threads)]
        return cmd

    def env(self) -> dict:
        """The environment to run it (and hyperfine) in: an `env LD_PRELOAD=` wrapper would
        add an exec to every timed run of this variant only."""
        e = dict(os.environ)
        e.update(self.extra_env)
        if self.preload:
            e["LD_PRELOAD"] = self.preload
        # `--allocator jemalloc` opens pyresolve's jemalloc copy after start-up, which needs
        # glibc's static TLS reserve raised: without it resolve restarts itself to raise it, an
        # exec that only that strategy's runs would pay. Every variant runs with it instead.
        tunables = [t for t in e.get("GLIBC_TUNABLES", "").split(":") if t]
        if not any(t.startswith("glibc.rtld.optional_static_tls=") for t in tunables):
            e["GLIBC_TUNABLES"] = ":".join(tunables + ["glibc.rtld.optional_static_tls=4096"])
        return e


@dataclass
class sample:
    times: list[float] = field(default_factory=list)
    user: list[float] = field(default_factory=list)  # per-block means, weighted by runs
    system: list[float] = field(default_factory=list)
    runs_per_block: list[int] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)  # minor faults of each interleaved run
    max_rss_kib: int = 0
    minor_faults: int = 0
    counters: dict = field(default_factory=dict)
    alloc: dict = field(default_factory=dict)

    def add_block(self, res: dict) -> None:
        """One hyperfine block's runs (its user and system time are the block's means)."""
        self.times += res["times"]
        self.user.append(res["user"])
        self.system.append(res["system"])
        self.runs_per_block.append(len(res["times"]))

    def extend_runs(self, other: "sample") -> None:
        """Another sample's interleaved runs after these (a resumed case)."""
        self.times += other.times
        self.user += other.user
        self.system += other.system
        self.faults += other.faults
        self.runs_per_block += other.runs_per_block

    def add_run(self, seconds: float, usage) -> None:
        """One interleaved run: its wall time and its own rusage (a block of one)."""
        self.times.append(seconds)
        self.user.append(usage.ru_utime)
        self.system.append(usage.ru_stime)
        self.runs_per_block.append(1)
        self.faults.append(usage.ru_minflt)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run_checked(argv, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    if proc.returncode not in (0,):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc


def requirements_file(workdir: Path, name: str, spec: list[str]) -> Path:
    """Writes the workload's requirements as a file (so every variant reads the same input); for
    a batch workload, its jobs file: one job per requirement line of the named file."""
    path = workdir / f"{name}.in"
    if spec[0] == "--batch":
        names = [line.split("#", 1)[0].strip() for line in (ROOT / spec[1]).read_text().splitlines()]
        path = workdir / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"id": n, "requirements": [n]}) + "\n" for n in names if n))
    elif spec[0] == "-r":
        shutil.copyfile(ROOT / spec[1], path)
    else:
        path.write_text("\n".join(spec) + "\n")
    return path


def noop_output(binary: str, base_args: list[str], req: Path, path: Path) -> bytes:
    """Writes the noop case's output file (system, 2 threads, the timed arguments otherwise) and
    returns its bytes, after checking that a second run leaves it as it is: resolve-noop times a
    run with nothing to change, which is only so if its output is a fixed point."""
    path.unlink(missing_ok=True)
    run_checked([binary, "--allocator", "system", "--threads", "2", *base_args, str(req)])
    first = path.read_bytes()
    run_checked([binary, "--allocator", "system", "--threads", "2", *base_args, str(req)])
    if path.read_bytes() != first:
        raise RuntimeError(f"resolve-noop: a second run changed {path}: the output is not a fixed point")
    return first


def batch_answers(stdout: str) -> str:
    """What a batch answered, without what differs between heaps (the allocator's name, timings):
    each job's exit code, error and pins, in id order."""
    found = []
    for line in stdout.splitlines():
        doc = json.loads(line)
        pins = [f"{p['name']}=={p['version']}" for p in doc.get("packages") or []]
        found.append(json.dumps([str(doc["id"]), doc["exit_code"], doc["error"], pins]))
    return "\n".join(sorted(found)) + "\n"


def spawn_timed(argv: list[str], env: dict) -> tuple[float, object]:
    """Runs argv once with its output discarded: wall seconds and the child's own rusage
    (user, system, minor faults). posix_spawn and wait4: no shell, and no copy of this process."""
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=devnull)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        run_checked(argv, env=env)  # again, for its message
        raise RuntimeError(f"{' '.join(argv)} failed once and then passed")
    return seconds, usage


def interleaved_rounds(variants: list[variant], argv_of, cold_cache: Path | None, after, samples: dict,
                       args, raw_path: Path) -> int:
    """Rounds of one run per variant, in a different rotation each round, so that drift on the
    machine falls on neighbouring runs of every variant alike and the ratios can be paired by
    round. One untimed run of each variant first. Runs --rounds rounds, then (with --target-se)
    10 more at a time while a ratio's paired standard error is above the target, up to
    --max-rounds. Returns the rounds run; writes every run to raw_path."""
    envs = {v.name: v.env() for v in variants}
    for v in variants:
        if cold_cache:
            shutil.rmtree(cold_cache, ignore_errors=True)
        spawn_timed(argv_of(v), envs[v.name])
    rnd = 0
    if args.resume and raw_path.exists():
        # Go on from the rounds an earlier run of this case left (same variants, same order).
        for name, earlier in read_interleaved(raw_path).items():
            samples[name].extend_runs(earlier)
        rnd = len(samples["system"].times)
        log(f"  resuming after {rnd} rounds")
    limit = max(args.rounds, args.max_rounds if args.target_se > 0 else 0)
    while rnd < limit:
        order = variants[rnd % len(variants):] + variants[: rnd % len(variants)]
        for v in order:
            if cold_cache:
                shutil.rmtree(cold_cache, ignore_errors=True)
            seconds, usage = spawn_timed(argv_of(v), envs[v.name])
            after(v)
            samples[v.name].add_run(seconds, usage)
        rnd += 1
        if rnd >= args.rounds and (rnd - args.rounds) % 10 == 0:
            worst = worst_relative_se(samples)
            log(f"  round {rnd}: widest paired standard error {worst * 100:.1f} %")
            if args.target_se <= 0 or worst <= args.target_se:
                break
    raw_path.write_text(json.dumps({name: {"times": s.times, "user": s.user, "system": s.system,
                                           "minor_faults": s.faults} for name, s in samples.items()}))
    return rnd


def read_interleaved(raw_path: Path) -> dict:
    """The runs interleaved_rounds wrote, as a sample per variant."""
    found = {}
    for name, r in json.loads(raw_path.read_text()).items():
        found[name] = sample(times=r["times"], user=r["user"], system=r["system"], faults=r["minor_faults"],
                             runs_per_block=[1] * len(r["times"]))
    return found


def settled(raw_path: Path, results: dict, key: tuple, args) -> bool:
    """With --resume: whether a case an earlier run measured needs no more rounds (it reached
    --max-rounds, or every ratio is within --target-se), so that its entry and counters are kept.
    Read from the case's raw runs, else from its entry in results.json (a results file kept
    without its raw runs: its other cases then run afresh and replace their entries)."""
    entry = next((c for c in results["cases"] if (c["workload"], c["mode"], c["threads"]) == key), None)
    if entry is None:
        return False
    limit = max(args.rounds, args.max_rounds if args.target_se > 0 else 0)
    if raw_path.exists():
        runs = read_interleaved(raw_path)
        if len(runs["system"].times) >= limit:
            return True
        return args.target_se > 0 and worst_relative_se(runs) <= args.target_se
    widest = max((e["ratio_se"] / e["ratio_to_system"] for e in entry["variants"].values() if "ratio_se" in e),
                 default=0.0)
    return entry.get("rounds", 0) >= limit or (args.target_se > 0 and widest <= args.target_se)


def worst_relative_se(samples: dict) -> float:
    base = samples["system"].times
    return max((se / r for r, se in (bootstrap_ratio(base, s.times, paired=True, rounds=400)
                                     for name, s in samples.items() if name != "system")), default=0.0)


def hyperfine_block(argv: list[str], runs: int, warmup: int, out_json: Path, prepare: str | None,
                    env: dict) -> dict:
    cmd = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
           "--export-json", str(out_json)]
    if prepare:
        cmd += ["--prepare", prepare]
    cmd.append(" ".join(argv))
    run_checked(cmd, env=env)
    return json.loads(out_json.read_text())["results"][0]


def allocation_counts(argv: list[str], env: dict) -> dict:
    """One extra run with -v: the allocation counters the CLI prints for its resource, and
    which allocator serves malloc (proof that a whole-process variant is what it says)."""
    argv = [a for a in argv if a != "-q"]  # -q would silence -v
    proc = subprocess.run(argv + ["-v"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    served = re.search(r"malloc served by ([^)]+)\)", proc.stderr)
    m = re.search(r"allocations: (\d+) allocs, (\d+) frees, (\d+) bytes, peak (\d+) bytes, "
                  r"(\d+) cross-thread frees", proc.stderr)
    if not m:
        return {}
    found = dict(zip(["allocs", "frees", "bytes", "peak_bytes", "cross_thread_frees"], map(int, m.groups())))
    found["malloc_served_by"] = served.group(1) if served else "?"
    return found


def peak_rss_kib(argv: list[str], env: dict) -> tuple[int, int]:
    """Peak RSS (KiB) and minor page faults of one run. Not wait4's rusage of a child of this
    process: Linux carries the parent's high-water mark across fork+exec into ru_maxrss, and
    this Python (numpy loaded) is bigger than the resolver. /usr/bin/time forks from a 2 MiB
    process."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %R", *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed while measuring RSS:\n{proc.stderr[-2000:]}")
    rss, faults = proc.stderr.strip().splitlines()[-1].split()
    return int(rss), int(faults)


def perf_counters(argv: list[str], env: dict, runs: int = 5) -> dict:
    """Page faults and task clock per run (`perf stat -r`, mean of `runs`), plus user-space
    instructions and cycles where the machine exposes hardware counters (this VM does not:
    then `instructions` comes from callgrind, `--instructions`). Empty without perf."""
    if not shutil.which("perf"):
        return {}
    proc = subprocess.run(["perf", "stat", "-x,", "-r", str(runs), "-e",
                           "instructions:u,cycles:u,page-faults,task-clock", *argv],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    found = {}
    for line in proc.stderr.splitlines():
        fields = line.split(",")
        if len(fields) < 3 or not fields[0].replace(".", "", 1).isdigit():
            continue  # "<not supported>" and the like
        event = fields[2].split(":")[0].replace("-", "_")
        found[event] = float(fields[0])
    return found


def callgrind_instructions(argv: list[str], env: dict) -> int | None:
    """Instructions executed by one run, all threads (valgrind's callgrind: exact and repeatable
    where no hardware counter is exposed). None when valgrind is missing or the run fails."""
    if not shutil.which("valgrind"):
        return None
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    m = re.search(r"Collected : (\d+)", proc.stderr)
    return int(m.group(1)) if proc.returncode == 0 and m else None


def bootstrap_ratio(base: list[float], other: list[float], rounds: int = 2000,
                    paired: bool = False) -> tuple[float, float]:
    """Median(base) / median(other) and the bootstrap standard error of that ratio. Blocks run
    apart are resampled independently; interleaved runs (`paired`: run i of both sides in the
    same round) are resampled by round, so that what drifts between rounds cancels in the ratio."""
    return bootstrap_interval(base, other, rounds, paired)[:2]


def bootstrap_interval(base: list[float], other: list[float], rounds: int = 2000,
                       paired: bool = False) -> tuple[float, float, float, float]:
    """The ratio of medians, its bootstrap standard error and 95 % percentile interval."""
    import numpy as np
    rng = np.random.default_rng(12345)
    b, o = np.asarray(base), np.asarray(other)
    r0 = float(np.median(b) / np.median(o))
    if paired and b.size == o.size:
        pick = rng.integers(0, b.size, size=(rounds, b.size))
        ratios = np.median(b[pick], axis=1) / np.median(o[pick], axis=1)
    else:
        ratios = np.median(rng.choice(b, size=(rounds, b.size)), axis=1) / \
            np.median(rng.choice(o, size=(rounds, o.size)), axis=1)
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return r0, float(np.std(ratios)), float(lo), float(hi)


def hyperfine_ratio(base: list[float], other: list[float]) -> tuple[float, float]:
    """Ratio of means with propagated σ, as hyperfine prints it."""
    mb, mo = statistics.fmean(base), statistics.fmean(other)
    sb, so = statistics.stdev(base), statistics.stdev(other)
    r = mb / mo
    return r, r * ((sb / mb) ** 2 + (so / mo) ** 2) ** 0.5


def describe(name: str, base_name: str, base: list[float], other: list[float], paired: bool = False) -> str:
    r, s = hyperfine_ratio(base, other)
    mr, ms = bootstrap_ratio(base, other, paired=paired)
    word = "faster" if mr >= 1 else "slower"
    shown = mr if mr >= 1 else 1 / mr
    rel = ms / mr * 100
    return (f"  {name}: {shown:.3f} times {word} than {base_name} (median ratio ± {rel:.1f} % s.e.; "
            f"hyperfine style {r:.2f} ± {s:.2f})")


def block_cpu(s: "sample") -> list[float]:
    """CPU time (user + system) of each block, per run: less sensitive than wall time to other
    jobs on the machine, which delay a run without making it do more work."""
    return [u + k for u, k in zip(s.user, s.system)]


def summarize(variants: list[str], samples: dict, lines: list[str], paired: bool = False) -> dict:
    """The case's entries: wall-time statistics and, against `system`, the median ratio (runs
    resampled) and the CPU-time ratio (blocks resampled), each with its bootstrap s.e."""
    found = {}
    base = samples["system"].times
    for name in variants:
        s = samples[name]
        n = sum(s.runs_per_block)
        entry = {
            "runs": n,
            "median_s": statistics.median(s.times),
            "mean_s": statistics.fmean(s.times),
            "stddev_s": statistics.stdev(s.times),
            "user_s": sum(u * k for u, k in zip(s.user, s.runs_per_block)) / n,
            "system_s": sum(u * k for u, k in zip(s.system, s.runs_per_block)) / n,
            "max_rss_kib": s.max_rss_kib,
            "minor_faults": round(statistics.median(s.faults)) if s.faults else s.minor_faults,
            "counters": s.counters,
            "alloc": s.alloc,
        }
        if name != "system":
            mr, ms, lo, hi = bootstrap_interval(base, s.times, paired=paired)
            hr, hs = hyperfine_ratio(base, s.times)
            cr, cs = bootstrap_ratio(block_cpu(samples["system"]), block_cpu(s), paired=paired)
            entry.update({"ratio_to_system": mr, "ratio_se": ms, "ratio_95": [lo, hi], "hyperfine_ratio": hr,
                          "hyperfine_sigma": hs, "cpu_ratio_to_system": cr, "cpu_ratio_se": cs})
            line = describe(name, "system", base, s.times, paired) + f"; CPU time {cr:.3f} ± {cs / cr * 100:.1f} %"
            lines.append(line)
            log(line)
        found[name] = entry
    return found


def reanalyze(out: Path) -> dict:
    """Rebuilds every case of OUT/results.json from the raw hyperfine files (after a change to
    the statistics, without running anything again)."""
    results = json.loads((out / "results.json").read_text())
    lines = []
    for case in results["cases"]:
        samples = {}
        interleaved = out / "raw" / f"{case['workload']}-{case['mode']}-t{case['threads']}-interleaved.json"
        runs = read_interleaved(interleaved) if case.get("interleaved") else {}
        for name, old in case["variants"].items():
            s = sample(max_rss_kib=old["max_rss_kib"], minor_faults=old.get("minor_faults", 0),
                       counters=old.get("counters", {}), alloc=old["alloc"])
            if name in runs:
                s.extend_runs(runs[name])
                samples[name] = s
                continue
            blocks = sorted((out / "raw").glob(f"{case['workload']}-{case['mode']}-t{case['threads']}-{name}-r*.json"),
                            key=lambda f: int(f.stem.rsplit("-r", 1)[1]))
            for f in blocks:
                res = json.loads(f.read_text())["results"][0]
                s.times += res["times"]
                s.user.append(res["user"])
                s.system.append(res["system"])
                s.runs_per_block.append(len(res["times"]))
            samples[name] = s
        base = samples["system"].times
        header = (f"{case['workload']} resolve-{case['mode']}, {case['threads']} thread(s): system median "
                  f"{statistics.median(base) * 1e3:.1f} ms ({len(base)} runs)")
        lines.append(header)
        log(header)
        case["variants"] = summarize(list(case["variants"]), samples, lines, paired=case.get("interleaved", False))
    results["summary"] = lines + [p["line"] for p in results.get("peers", [])]
    return results


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build/release/bin"), help="folder with resolve and its variants")
    ap.add_argument("--reanalyze", action="store_true",
                    help="only rebuild OUT/results.{json,md,png} from OUT/raw (no run)")
    ap.add_argument("--index-url",
                    help="the make-index tree served over http (nginx): file:// trees are never cached, "
                         "so warm runs need a served index")
    ap.add_argument("--out", default=str(ROOT / "build/bench"), help="where results go")
    ap.add_argument("--modes", default="warm,noop,cold", help="comma list of warm, cold, noop")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of " + ", ".join(WORKLOADS))
    ap.add_argument("--variants", default="pmr,process", help="pmr (the --allocator strategies), process (whole-process variants)")
    ap.add_argument("--allocators", default=",".join(PMR_STRATEGIES))
    ap.add_argument("--process-variants", default="mimalloc,jemalloc,tbbmalloc",
                    help="whole-process variants: resolve-mimalloc, resolve-jemalloc, tbbmalloc's LD_PRELOAD proxy")
    ap.add_argument("--heap-settings", default="tuned",
                    help="comma list: tuned (each heap's short-run settings, as shipped), defaults (a "
                         "`-defaults` twin of every variant whose heap has settings, run with the "
                         "library's defaults); `system` (tuned glibc) stays the base of every ratio")
    ap.add_argument("--counters", action="store_true",
                    help="after each case, `perf stat` every variant (instructions, cycles, faults)")
    ap.add_argument("--instructions", action="store_true",
                    help="with --counters: instructions from one callgrind run per variant where perf "
                         "has no hardware counter (slow: for the short workloads)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per variant")
    ap.add_argument("--runs", type=int, default=10, help="hyperfine runs per block")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--interleave", action="store_true",
                    help="one run per variant per round (no hyperfine blocks, no warm-up but one untimed run "
                         "of each variant first), ratios paired by round: --runs and --warmup are not used")
    ap.add_argument("--target-se", type=float, default=0,
                    help="with --interleave: after --rounds, 10 more rounds at a time while any ratio's "
                         "standard error is above this fraction (e.g. 0.02), up to --max-rounds")
    ap.add_argument("--max-rounds", type=int, default=0, help="with --target-se: the most rounds a case runs")
    ap.add_argument("--resume", action="store_true",
                    help="with --interleave and --append: a case of OUT/results.json at its round limit or "
                         "within its target is kept; any other goes on from its raw runs in OUT (or runs "
                         "afresh without them) and replaces its entry")
    ap.add_argument("--block-seconds", type=float, default=0,
                    help="cap a block at about this long: a slow workload (boto3 warm: 1 s a run) gets "
                         "fewer runs and one warm-up per block, never fewer than 3 runs (0: no cap)")
    ap.add_argument("--python-version", default="3.11.7",
                    help="fixed target, so no run asks python3 (80 ms through a pyenv shim)")
    ap.add_argument("--python-platform", default="linux")
    ap.add_argument("--peers", action="store_true",
                    help="also time pip 23 --resolve-only on the same index, and Poetry's solver on the same data")
    ap.add_argument("--peer-runs", type=int, default=5, help="pip runs (pyresolve's side against Poetry: twice that, twice)")
    ap.add_argument("--peer-workloads", default="black,jupyter",
                    help="workloads the peers are timed on (pip needs minutes to backtrack through boto3.in)")
    ap.add_argument("--poetry-rounds", type=int, default=3,
                    help="timed solves of Poetry's solver per workload, after one untimed (0: no Poetry)")
    ap.add_argument("--snapshot", default="data/pypi-snapshot-2023-09.jsonl.zst",
                    help="the data the index was made from (Poetry's universe JSON is made from it)")
    ap.add_argument("--append", action="store_true",
                    help="add these cases (and peers) to OUT/results.json instead of starting anew, so that "
                         "one report can mix settings (run.sh --readme does: boto3 runs 40x longer than jupyter)")
    ap.add_argument("--no-chart", action="store_true")
    args = ap.parse_args()

    out = Path(args.out)
    if args.reanalyze:
        results = reanalyze(out)
        (out / "results.json").write_text(json.dumps(results, indent=1))
        write_markdown(results, out / "results.md")
        if not args.no_chart:
            write_chart(results, out / "results.png")
        print("\n".join(results["summary"]))
        return 0
    if not args.index_url:
        ap.error("--index-url is required")
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    raw.mkdir(exist_ok=True)
    binary = str(Path(args.bin) / "resolve")
    target = ["--python-version", args.python_version, "--python-platform", args.python_platform]
    workloads = [w for w in args.workloads.split(",") if w]
    for w in workloads:
        if w not in WORKLOADS:
            raise SystemExit(f"unknown workload {w}; known: {', '.join(WORKLOADS)}")

    variants: list[variant] = []
    if "pmr" in args.variants:
        variants += [variant(a, binary, a) for a in args.allocators.split(",") if a and a != "system"]
    if "process" in args.variants:
        wanted = [n for n in args.process_variants.split(",") if n]
        for name in wanted:
            if name not in ("mimalloc", "jemalloc", "tbbmalloc"):
                raise SystemExit(f"unknown whole-process variant {name}; known: mimalloc, jemalloc, tbbmalloc")
        variants += [variant(f"process-{name}", f"{binary}-{name}", None) for name in ("mimalloc", "jemalloc")
                     if name in wanted]
        if "tbbmalloc" in wanted and Path(TBBMALLOC_PROXY).exists():
            variants.append(variant("process-tbbmalloc", binary, None, TBBMALLOC_PROXY))
    # `system` is the base of every ratio and the reference of the pin check: first.
    variants = [variant("system", binary, "system")] + [v for v in variants if v.name != "system"]
    settings = [x for x in args.heap_settings.split(",") if x]
    if "defaults" in settings:
        twins = [variant(f"{v.name}-defaults", v.binary, v.allocator, v.preload, dict(HEAP_DEFAULTS_ENV))
                 for v in variants if v.allocator is None or v.allocator in TUNABLE_STRATEGIES]
        variants = ([v for v in variants] if "tuned" in settings else variants[:1]) + twins

    warm_cache = out / "cache-warm"

    results = {"machine": os.uname().nodename, "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average_start": load_average(), "rounds": args.rounds, "runs_per_block": args.runs,
               "warmup": args.warmup, "python_version": args.python_version, "cases": []}
    previous = json.loads((out / "results.json").read_text()) if args.append and (out / "results.json").exists() else {}
    results["cases"] = previous.get("cases", [])
    # One report of several driver runs: it started when the first of them did.
    for key in ("date", "load_average_start"):
        results[key] = previous.get(key, results[key])
    results["peers"] = previous.get("peers", [])
    summary_lines = []
    for workload in workloads:
        req = requirements_file(out, workload, WORKLOADS[workload])
        batch = WORKLOADS[workload][0] == "--batch"
        flags = WORKLOAD_TARGET.get(workload, target)
        warm_args = ["--no-progress", *flags, "--index-url", args.index_url, "--cache-dir", str(warm_cache)]

        def command(v: variant, threads: int, base_args: list[str]) -> list[str]:
            """The variant's command line for this workload: `resolve batch JOBS ...` or `resolve ... FILE`."""
            return v.argv(threads, req if batch else None) + base_args + ([] if batch else [str(req)])

        # Populate the warm cache, then check that every variant gives the same pins. Without
        # pins to prefer, so that the cache holds what a first resolve fetches (a preferred pin
        # skips metadata, and later warm runs would then do less work).
        first = variant("system", binary, "system")
        started = time.monotonic()
        run_checked(command(first, 2, ["-q", *warm_args] + ([] if batch else ["-o", os.devnull])))
        one_run = time.monotonic() - started
        for v in variants:
            got = out / "check" / f"{workload}-{v.name}.txt"
            got.parent.mkdir(exist_ok=True)
            if batch:
                proc = run_checked(command(v, 2, ["-q", "--offline", *warm_args]), env=v.env())
                got.write_text(batch_answers(proc.stdout))
            else:
                run_checked(command(v, 2, ["-q", "--offline", "--no-header", *warm_args, "-o", str(got)]),
                            env=v.env())
            if got.read_text() != (out / "check" / f"{workload}-system.txt").read_text():
                raise RuntimeError(f"{workload}: {v.name} pins differ from system's ({got})")
        runs, warmup = args.runs, args.warmup
        if args.block_seconds > 0 and one_run * (runs + warmup) > args.block_seconds:
            runs = max(3, min(runs, round(args.block_seconds / one_run) - 1))
            warmup = min(warmup, 1)
            log(f"{workload}: {one_run * 1e3:.0f} ms a run: {runs} runs + {warmup} warm-up per block")
        for mode in args.modes.split(","):
            if mode == "noop" and (batch or workload in WORKLOAD_TARGET):
                # A batch writes its results to stdout: there is no output to leave alone. A
                # universal output read back as preferences is not a fixed point: the root fork
                # takes a package's first possible pin before any split, so a second run can
                # merge pins the first run kept apart by Python version.
                continue
            for threads in map(int, args.threads.split(",")):
                if args.resume and settled(raw / f"{workload}-{mode}-t{threads}-interleaved.json", results,
                                           (workload, mode, threads), args):
                    log(f"{workload} resolve-{mode}, {threads} thread(s): within its target or at its round limit, kept")
                    continue
                case = {"workload": workload, "mode": mode, "threads": threads, "runs_per_block": runs,
                        "rounds": args.rounds, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "variants": {}}
                samples = {v.name: sample() for v in variants}
                cache = warm_cache if mode != "cold" else out / "cache-cold"
                base_args = ["-q", "--no-progress", *flags, "--index-url", args.index_url, "--cache-dir", str(cache)]
                prepare = f"rm -rf {cache}" if mode == "cold" else None
                if mode != "cold":
                    base_args += ["--offline"]
                # noop: the output file already holds these pins (uv's resolve-noop), so nothing
                # changes. Without the header, which quotes the command line (threads, allocator).
                noop_file = out / f"{workload}-noop.txt"
                noop_expected = None
                if mode == "noop":
                    base_args += ["--no-header", "-o", str(noop_file)]
                    noop_expected = noop_output(binary, base_args, req, noop_file)
                    if noop_expected != (out / "check" / f"{workload}-system.txt").read_bytes():
                        raise RuntimeError(f"{workload} resolve-noop: {noop_file} differs from the checked pins")
                elif not batch:
                    base_args += ["-o", os.devnull]

                def check_noop(v: variant) -> None:
                    if noop_expected is not None and noop_file.read_bytes() != noop_expected:
                        raise RuntimeError(f"{workload} resolve-noop: {v.name} changed {noop_file}")

                name = f"{workload}-{mode}-t{threads}"
                if args.interleave:
                    done = interleaved_rounds(variants, lambda v: command(v, threads, base_args),
                                              cache if prepare else None, check_noop, samples, args,
                                              raw / f"{name}-interleaved.json")
                    case.update({"interleaved": True, "rounds": done, "runs_per_block": 1})
                else:
                    for rnd in range(args.rounds):
                        order = variants[rnd % len(variants):] + variants[: rnd % len(variants)]
                        for v in order:
                            res = hyperfine_block(command(v, threads, base_args), runs, warmup,
                                                  raw / f"{name}-{v.name}-r{rnd}.json", prepare, v.env())
                            check_noop(v)
                            samples[v.name].add_block(res)
                for v in variants:
                    argv = command(v, threads, base_args)
                    if prepare:
                        shutil.rmtree(cache, ignore_errors=True)
                    rss, faults = peak_rss_kib(argv, v.env())
                    samples[v.name].max_rss_kib = rss
                    if not samples[v.name].minor_faults:
                        samples[v.name].minor_faults = faults
                    if args.counters and not prepare:
                        samples[v.name].counters = perf_counters(argv, v.env())
                        if args.instructions and "instructions" not in samples[v.name].counters:
                            ir = callgrind_instructions(argv, v.env())
                            if ir is not None:
                                samples[v.name].counters["instructions"] = ir
                    if prepare:
                        shutil.rmtree(cache, ignore_errors=True)
                    samples[v.name].alloc = allocation_counts(argv, v.env())
                base = samples["system"].times
                header = f"{workload} resolve-{mode}, {threads} thread(s): system median " \
                         f"{statistics.median(base) * 1e3:.1f} ms ({len(base)} runs)"
                summary_lines.append(header)
                log(header)
                case["variants"] = summarize([v.name for v in variants], samples, summary_lines,
                                             paired=case.get("interleaved", False))
                # A resumed case replaces the entry of its earlier run, in its place.
                key = (workload, mode, threads)
                same = [i for i, c in enumerate(results["cases"]) if (c["workload"], c["mode"], c["threads"]) == key]
                if same:
                    results["cases"][same[0]] = case
                else:
                    results["cases"].append(case)
                (out / "results.json").write_text(json.dumps(results, indent=1))

    if args.peers:
        results["peers"] += run_peers(args, out, binary, target)
        for p in results["peers"]:
            summary_lines.append(p["line"])
    results["load_average_end"] = load_average()
    (out / "results.json").write_text(json.dumps(results, indent=1))
    write_markdown(results, out / "results.md")
    if not args.no_chart:
        write_chart(results, out / "results.png")
    print("\n".join(summary_lines))
    print(f"load average: {results['load_average_start']} at the start, {results['load_average_end']} at the end")
    print(f"results: {out / 'results.json'}, {out / 'results.md'}" + ("" if args.no_chart else f", {out / 'results.png'}"))
    return 0


def run_peers(args, out: Path, binary: str, target: list[str]) -> list[dict]:
    """The peers on the same data, each against pyresolve warm (default allocator and threads):
    pip 23 (resolve-only, its own warm HTTP cache, the same served index), alternating with
    pyresolve in one hyperfine run; and Poetry 1.3's solver in memory (benches/poetry_peer.py on
    the universe JSON of the same closure; its docstring says why not `poetry lock`)."""
    peers = Path(os.environ.get("PYRESOLVE_PEERS", ROOT.parent.parent / "shared/peers"))
    if not peers.exists():
        peers = Path("/work/shared/peers")
    python = os.environ.get("PIP_PYTHON") or shutil.which("python3")
    python = subprocess.run([python, "-c", "import sys; print(sys.executable)"], capture_output=True,
                            text=True).stdout.strip()
    has_pip = (peers / "pip_resolve_only.py").exists()
    has_poetry = args.poetry_rounds > 0 and subprocess.run(
        ["/usr/bin/python3", "-c", "import poetry.puzzle.solver"], capture_output=True).returncode == 0
    if not has_pip:
        log(f"peers: {peers}/pip_resolve_only.py not found, pip skipped")
    if not has_poetry:
        log("peers: Poetry skipped (--poetry-rounds 0, or no python3-poetry: apt-get install python3-poetry)")
    found = []
    for workload in [w for w in args.peer_workloads.split(",") if w]:
        req = requirements_file(out, workload, WORKLOADS[workload])
        # pyresolve's side needs the warm cache of this workload too.
        run_checked([binary, "-q", "--no-progress", *target, "--index-url", args.index_url, "--cache-dir",
                     str(out / "cache-warm"), "-o", os.devnull, str(req)])
        ours = (f"{binary} -q --offline --no-progress {' '.join(target)} --index-url {args.index_url} "
                f"--cache-dir {out / 'cache-warm'} -o /dev/null {req}")
        if has_pip:
            pip = (f"{python} {peers / 'pip_resolve_only.py'} install --dry-run --ignore-installed -q "
                   f"--disable-pip-version-check --cache-dir {out / 'pip-cache'} --report {out / 'pip-report.json'} "
                   f"--index-url {args.index_url} -r {req}")
            run_checked(pip.split())  # fills pip's HTTP cache: pip is measured warm too
            raw_path = out / "raw" / f"peers-{workload}.json"
            run_checked(["hyperfine", "-N", "--style", "none", "--warmup", "1", "--runs", str(args.peer_runs),
                         "--export-json", str(raw_path), "-n", "pyresolve", ours, "-n", "pip", pip])
            res = json.loads(raw_path.read_text())["results"]
            found.append(peer_entry(workload, "pip", "pip 23 --resolve-only (warm HTTP cache, same index)",
                                    res[0]["times"], res[1]["times"]))
        if has_poetry:
            found.append(poetry_peer(args, out, workload, req, ours))
    return found


def peer_entry(workload: str, peer: str, how: str, ours: list[float], theirs: list[float], **extra) -> dict:
    mr, ms = bootstrap_ratio(theirs, ours)
    line = (f"{workload} warm: pyresolve {statistics.median(ours) * 1e3:.1f} ms, {how} "
            f"{statistics.median(theirs):.2f} s: {mr:.0f} ± {ms:.0f} times faster than {peer}")
    log(line)
    entry = {"workload": workload, "peer": peer, "how": how, "pyresolve_median_s": statistics.median(ours),
             "peer_median_s": statistics.median(theirs), "peer_runs": len(theirs), "ratio": mr, "ratio_se": ms,
             "line": line, **extra}
    if peer == "pip":
        entry["pip_median_s"] = entry["peer_median_s"]  # the key of earlier results files
    return entry


def poetry_peer(args, out: Path, workload: str, req: Path, ours: str) -> dict:
    """Poetry's solver, timed in its own process over args.poetry_rounds fresh solves (one more
    first, not counted: Python's first pass compiles and fills Poetry's caches), between two
    hyperfine runs of pyresolve warm so that drift hits both."""
    universe = out / f"poetry-universe-{workload}.json"
    if not universe.exists():
        # The same closure make-index serves, as universe JSON (nothing written but that file).
        run_checked([str(Path(args.bin) / "make-index"), "-q", "--snapshot", str(ROOT / args.snapshot),
                     "--closure-of", str(req), "--dry-run", "--out", str(out / "poetry-dry-run"),
                     "--emit-universe", str(universe)])
    halves = []
    for half in ("before", "after"):
        raw_path = out / "raw" / f"peers-poetry-{workload}-pyresolve-{half}.json"
        run_checked(["hyperfine", "-N", "--style", "none", "--warmup", "1", "--runs", str(args.peer_runs * 2),
                     "--export-json", str(raw_path), "-n", "pyresolve", ours])
        halves += json.loads(raw_path.read_text())["results"][0]["times"]
        if half == "before":
            raw_poetry = out / "raw" / f"peers-poetry-{workload}.json"
            run_checked(["/usr/bin/python3", str(ROOT / "benches/poetry_peer.py"), str(universe), "--rounds",
                         str(args.poetry_rounds + 1), "--json", str(raw_poetry), "-r", str(req)])
            poetry = json.loads(raw_poetry.read_text())
    return peer_entry(workload, "Poetry", "Poetry 1.3's solver in memory (universe JSON; start-up, imports "
                      "and JSON parsing not timed; universal lock)", halves, poetry["times"][1:],
                      peer_pins=poetry["pins"], peer_skipped_versions=poetry["skipped_versions"])


def write_markdown(results: dict, path: Path) -> None:
    lines = [f"Measured {results['date']} on {results['cores']} cores (load average {results['load_average_start']} "
             f"at the start, {results.get('load_average_end', '?')} at the end). Variants alternate in blocks; "
             f"`runs` is the pooled count per variant; ratio = median(system) / median(variant) (> 1: faster) "
             f"± its bootstrap standard error; CPU-time ratio: the same on the blocks' user + sys time; allocs/bytes/cross-thread: the pmr resource's counters (`-v`)", ""]
    lines.append("| workload | mode | threads | variant | runs | median ms | σ ms | user ms | sys ms | ratio to system | CPU-time ratio | peak RSS MiB | allocs | bytes | cross-thread frees |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in results["cases"]:
        for name, e in case["variants"].items():
            ratio = "1 (base)" if name == "system" else f"{e['ratio_to_system']:.3f} ± {e['ratio_se'] / e['ratio_to_system'] * 100:.1f} %"
            cpu = "1 (base)" if name == "system" else "" if "cpu_ratio_to_system" not in e else \
                f"{e['cpu_ratio_to_system']:.3f} ± {e['cpu_ratio_se'] / e['cpu_ratio_to_system'] * 100:.1f} %"
            a = e.get("alloc") or {}
            share = ""
            if a.get("frees"):
                share = f"{a['cross_thread_frees'] / a['frees'] * 100:.1f} %"
            lines.append(f"| {case['workload']} | {case['mode']} | {case['threads']} | {name} | {e['runs']} | {e['median_s'] * 1e3:.2f} | "
                         f"{e['stddev_s'] * 1e3:.2f} | {e['user_s'] * 1e3:.2f} | {e['system_s'] * 1e3:.2f} | {ratio} | {cpu} | "
                         f"{e['max_rss_kib'] / 1024:.1f} | {a.get('allocs', '')} | {a.get('bytes', '')} | {share} |")
    if results.get("peers"):
        lines += ["", "Peers, each against pyresolve warm (default allocator and threads) on the same data:", ""]
    for p in results.get("peers", []):
        how = p.get("how", "pip 23 --resolve-only")
        lines.append(f"- {p['workload']}: pyresolve warm {p['pyresolve_median_s'] * 1e3:.1f} ms, {how} "
                     f"{p.get('peer_median_s', p.get('pip_median_s')):.2f} s: "
                     f"**{p['ratio']:.0f} ± {p['ratio_se']:.0f}×** faster than {p.get('peer', 'pip')}")
    path.write_text("\n".join(lines) + "\n")


def write_chart(results: dict, path: Path) -> None:
    """Two panels, one bar per variant and case: the wall-time median ratio and the CPU-time
    ratio to `system` (> 1: faster), with their bootstrap standard errors."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = results["cases"]
    if not cases:
        return
    names = [n for n in cases[0]["variants"] if n != "system"]
    fig, axes = plt.subplots(2, 1, figsize=(max(7, 1.6 * len(cases)), 7), sharex=True)
    width = 0.8 / max(1, len(names))
    labels = [f"{c['workload']}\n{c['mode']} t{c['threads']}" for c in cases]
    for ax, key, title in ((axes[0], "ratio_to_system", "wall time (median ratio)"),
                           (axes[1], "cpu_ratio_to_system", "CPU time, user + sys (block ratio)")):
        se = "ratio_se" if key == "ratio_to_system" else "cpu_ratio_se"
        for k, name in enumerate(names):
            ratios = [c["variants"].get(name, {}).get(key, 1) for c in cases]
            errs = [c["variants"].get(name, {}).get(se, 0) for c in cases]
            ax.bar([i + k * width for i in range(len(cases))], ratios, width, yerr=errs, label=name, capsize=2)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_ylim(0.6, 1.5)
        ax.set_ylabel(f"{title}\nvs system (> 1: faster)", fontsize=8)
    axes[1].set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(cases))])
    axes[1].set_xticklabels(labels, fontsize=7)
    axes[0].legend(fontsize=7, ncol=5)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
