#!/usr/bin/env python3
"""The allocator verdict from a resolve_bench.py results.json (benches/run.sh --verdict).

  allocator_verdict.py RESULTS.json --markdown OUT.md      the summary tables
  allocator_verdict.py RESULTS.json --readme README.md     the same, written between the
                                                           README's verdict markers
  allocator_verdict.py RESULTS.json --guard BASELINE.json  every variant whose ratio to tuned
                                                           glibc moved by more than --tolerance
                                                           (default 5 %) and more than two
                                                           standard errors of the change against
                                                           the baseline's same case; exit 1 if
                                                           any did

Every figure is a ratio of medians to `system` (the plain `resolve`: glibc with its short-run
settings) measured in the same run, with its bootstrap standard error; > 1 means faster.
A `-defaults` variant is the same heap with its library's defaults (PYRESOLVE_HEAP_TUNING=off).
"""
import argparse
import json
import sys
from pathlib import Path

BEGIN = "<!-- allocator-verdict:begin (benches/allocator_verdict.py --readme; do not edit) -->"
END = "<!-- allocator-verdict:end -->"

# Column order: the whole-process heaps first (what a program ships), then the pmr strategies.
COLUMNS = [
    ("system-defaults", "glibc, defaults"),
    ("process-mimalloc", "mimalloc"),
    ("process-mimalloc-defaults", "mimalloc, defaults"),
    ("process-jemalloc", "jemalloc"),
    ("process-jemalloc-defaults", "jemalloc, defaults"),
    ("process-tbbmalloc", "tbbmalloc"),
    ("process-tbbmalloc-defaults", "tbbmalloc, defaults"),
    ("mimalloc", "pmr mimalloc"),
    ("mimalloc-defaults", "pmr mimalloc, defaults"),
    ("tbbmalloc", "pmr tbbmalloc"),
    ("tbbmalloc-defaults", "pmr tbbmalloc, defaults"),
    ("jemalloc", "pmr jemalloc"),
    ("pool-std", "pmr pool-std"),
    ("pool-boost", "pmr pool-boost"),
    ("arena", "pmr arena"),
]


def ratio_text(entry: dict) -> str:
    if "ratio_to_system" not in entry:
        return ""
    r, se = entry["ratio_to_system"], entry["ratio_se"]
    return f"{r:.3f} ± {se / r * 100:.1f} %"


WORKLOAD_NAMES = {"top-100-universal": "universal top-100", "batch-top-1000": "batch, top-1000 jobs"}
# The short runs: what a developer's resolve of one project's requirements costs.
SHORT = {"jupyter", "boto3", "top-100"}


def case_name(case: dict) -> str:
    return f"{case['mode']} {WORKLOAD_NAMES.get(case['workload'], case['workload'])}"


def is_short(case: dict) -> bool:
    return case["mode"] in ("warm", "noop") and case["workload"] in SHORT


def ratios(results: dict):
    """Every (case, variant name, entry) with a ratio to `system`."""
    for c in results["cases"]:
        for name, e in c["variants"].items():
            if "ratio_to_system" in e:
                yield c, name, e


def precision(results: dict) -> str:
    """How well the ratios are known: rounds, and how many lie within ±2 %."""
    got = list(ratios(results))
    if not got:
        return ""
    rel = [(e["ratio_se"] / e["ratio_to_system"], c, n) for c, n, e in got]
    half = [max(e["ratio_to_system"] - e["ratio_95"][0], e["ratio_95"][1] - e["ratio_to_system"]) /
            e["ratio_to_system"] for _, _, e in got if "ratio_95" in e]
    widest = max(rel, key=lambda x: x[0])
    rounds = sorted({c.get("rounds", 0) for c in results["cases"]})
    paired = all(c.get("interleaved") for c in results["cases"])
    text = (f"{len(got)} ratios over {len(results['cases'])} cases, "
            f"{rounds[0]}–{rounds[-1]} {'interleaved rounds (one run per variant each)' if paired else 'rounds'}: "
            f"{sum(r <= 0.02 for r, _, _ in rel)} have a standard error within ±2 %, "
            f"{sum(r <= 0.01 for r, _, _ in rel)} within ±1 %; the widest is ±{widest[0] * 100:.1f} % "
            f"({case_name(widest[1])}, {widest[2]})")
    if half:
        text += f"; {sum(h <= 0.02 for h in half)} have a 95 % interval within ±2 %"
    return text + "."


def gaps(results: dict, threshold: float = 0.03) -> str:
    """Every ratio more than `threshold` from 1 and more than two standard errors, beside what
    its counters did against `system` in the same case: the gap is explained by a counter, not
    by a guess."""
    head = ["| case | variant | ratio | minor faults | sys ms | user ms | instructions | peak RSS MiB |",
            "|---|---|---|---|---|---|---|---|"]
    rows = []
    for c, name, e in ratios(results):
        r, se = e["ratio_to_system"], e["ratio_se"]
        if abs(r - 1) <= threshold or abs(r - 1) <= 2 * se:
            continue
        b = c["variants"]["system"]

        def delta(now, then, unit=1.0, digits=1):
            if not then or now is None:
                return ""
            return f"{now * unit:.{digits}f} ({(now / then - 1) * 100:+.0f} %)"
        ins, bins = e.get("counters", {}).get("instructions"), b.get("counters", {}).get("instructions")
        rows.append(f"| {case_name(c)} | {name} | {ratio_text(e)} | {delta(e.get('minor_faults'), b.get('minor_faults'), 1, 0)} | "
                    f"{delta(e['system_s'], b['system_s'], 1e3)} | {delta(e['user_s'], b['user_s'], 1e3)} | "
                    f"{delta(ins, bins, 1e-6) if ins and bins else ''} | "
                    f"{delta(e['max_rss_kib'], b['max_rss_kib'], 1 / 1024)} |")
    return "\n".join(head + rows) + "\n" if rows else ""


def tables(results: dict, counters: bool = True, pmr_table: bool = True) -> str:
    cases = results["cases"]
    present = [(k, label) for k, label in COLUMNS if any(k in c["variants"] for c in cases)]
    process = [(k, l) for k, l in present if k.startswith("process-") or k == "system-defaults"]
    pmr = [(k, l) for k, l in present if (k, l) not in process]
    out = [f"Run of {results['date']} UTC, {results['cores']} cores, load average "
           f"{results['load_average_start']} at the start and {results.get('load_average_end', '?')} at the end; "
           "2 worker threads. Ratio of medians to the shipped `resolve` (glibc with its short-run "
           "settings) measured in the same run, ± bootstrap standard error; above 1 is faster. "
           + precision(results), "",
           summary(results)]
    for title, cols in (("Whole-process heaps", process), ("pmr strategies (in the glibc `resolve`)", pmr)):
        if not cols or (not pmr_table and cols is pmr):
            continue
        out += [f"**{title}**", "", "| case | glibc median | " + " | ".join(l for _, l in cols) + " |",
                "|---|---|" + "---|" * len(cols)]
        for c in cases:
            base = c["variants"]["system"]
            row = [case_name(c), f"{base['median_s'] * 1e3:.1f} ms"]
            row += [ratio_text(c["variants"].get(k, {})) for k, _ in cols]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    if not counters:
        return "\n".join(out) + "\n"
    out += ["**Counters** (minor faults: the median of every timed run's rusage; user and system time: their "
            "mean; peak RSS: one `/usr/bin/time` run; instructions: `perf stat -r 5` where the machine has "
            "hardware counters, else one callgrind run (all threads, short cases only); `-v`: the pmr "
            "resource's allocations and the share freed on another thread)", "",
            "| case | variant | minor faults | peak RSS MiB | instructions (M) | user ms | sys ms | allocs | cross-thread frees |",
            "|---|---|---|---|---|---|---|---|---|"]
    for c in cases:
        for k in ["system"] + [k for k, _ in COLUMNS]:
            e = c["variants"].get(k)
            if not e:
                continue
            a = e.get("alloc") or {}
            share = f"{a['cross_thread_frees'] / a['frees'] * 100:.1f} %" if a.get("frees") else ""
            ins = e.get("counters", {}).get("instructions")
            faults = e.get('minor_faults')
            out.append(f"| {case_name(c)} | {k} | {'' if faults is None else round(faults)} | {e['max_rss_kib'] / 1024:.1f} | "
                       f"{'' if ins is None else f'{ins / 1e6:.1f}'} | {e['user_s'] * 1e3:.1f} | "
                       f"{e['system_s'] * 1e3:.1f} | {a.get('allocs', '')} | {share} |")
    table = gaps(results)
    if table:
        out += ["", "**Gaps over 3 %** (and over two standard errors), each beside its counters; in brackets, "
                "the change against the shipped glibc `resolve` in the same case", "", table]
    return "\n".join(out) + "\n"


HEAPS = [("glibc", "system", "system-defaults"), ("mimalloc", "process-mimalloc", "process-mimalloc-defaults"),
         ("jemalloc", "process-jemalloc", "process-jemalloc-defaults"),
         ("tbbmalloc", "process-tbbmalloc", "process-tbbmalloc-defaults")]


def summary(results: dict) -> str:
    """The verdict in sentences, computed from the tables so that it cannot disagree with them.
    A ratio counts as a difference only when it is more than two standard errors from 1."""
    def ratio(case: dict, name: str) -> tuple[float, float] | None:
        if name == "system":
            return (1.0, 0.0)
        e = case["variants"].get(name)
        return None if not e or "ratio_to_system" not in e else (e["ratio_to_system"], e["ratio_se"])

    def side(r: tuple[float, float]) -> int:
        return 0 if abs(r[0] - 1) <= 2 * r[1] else (1 if r[0] > 1 else -1)

    def span(values: list[float]) -> str:
        if not values:
            return "not measured"
        lo, hi = min(values), max(values)
        return f"{lo:.2f}" if hi - lo < 0.005 else f"{lo:.2f}–{hi:.2f}"

    cases = results["cases"]
    short = [c for c in cases if is_short(c)]
    long = [c for c in cases if not is_short(c)]
    lines = []
    for title, group in (("**Short runs** (warm and noop jupyter, boto3, top-100)", short),
                         ("**Long runs** (top-1,000, universal top-100, the batch, and every cold run)", long)):
        if not group:
            continue
        # The heap and setting with the best median ratio over the group's cases.
        scored = []
        for heap, tuned, default in HEAPS:
            for setting, name in (("its short-run settings", tuned), ("its defaults", default)):
                got = [ratio(c, name) for c in group]
                got = [g for g in got if g]
                if len(got) == len(group):
                    values = sorted(g[0] for g in got)
                    scored.append((values[len(values) // 2], heap, setting, got))
        if not scored:
            continue
        scored.sort(reverse=True)
        median, heap, setting, got = scored[0]
        wins = sum(side(g) > 0 for g in got)
        losses = sum(side(g) < 0 for g in got)
        if heap == "glibc" and setting == "its short-run settings":
            # The base itself: say how the others compare to it.
            others = [r for c in group for n, e in c["variants"].items() if n != "system"
                      for r in [ratio(c, n)] if r]
            head = (f"**the shipped glibc `resolve` (glibc with its short-run settings)** is the fastest: "
                    f"no other heap or setting has a better median ratio; of {len(others)} ratios of the other "
                    f"variants to it, {sum(side(r) < 0 for r in others)} are slower and "
                    f"{sum(side(r) > 0 for r in others)} faster by more than two standard errors")
        else:
            head = (f"**{heap} with {setting}** has the best median ratio to the shipped glibc `resolve`, "
                    f"{median:.2f} (over {len(group)} cases: faster in {wins}, slower in {losses}, level within "
                    f"two standard errors in the rest)")
        lines.append(f"- {title}: {head}. Every heap's range: " +
                     "; ".join(f"{h} {span([r[0] for r in (ratio(c, t) for c in group) if r])} "
                               f"(defaults {span([r[0] for r in (ratio(c, d) for c in group) if r])})"
                               for h, t, d in HEAPS) + ".")
    for heap, tuned, default in HEAPS:
        gains = []
        for c in cases:
            t, d = ratio(c, tuned), ratio(c, default)
            if t and d:
                gains.append(t[0] / d[0])
        if gains:
            gains.sort()
            lines.append(f"- **What its settings buy {heap}**: the tuned heap over the same heap with its "
                         f"defaults, {span(gains)}× across the cases (median {gains[len(gains) // 2]:.2f}×).")
    shares = [(e["alloc"]["cross_thread_frees"] / e["alloc"]["frees"], c) for c in cases
              for e in c["variants"].values() if (e.get("alloc") or {}).get("frees")]
    if shares:
        top = max(shares, key=lambda x: x[0])
        lines.append(f"- **Frees on another thread**: at most {top[0] * 100:.2f} % of the pmr resource's frees in "
                     f"any case and variant ({case_name(top[1])}); in the batch and the universal resolution "
                     f"too, each task frees what it allocated on its own worker.")
    mim = [ratio(c, "process-mimalloc") for c in cases]
    mim = [m for m in mim if m]
    if mim:
        wins, losses = sum(side(m) > 0 for m in mim), sum(side(m) < 0 for m in mim)
        pays = wins * 2 >= len(mim) and losses == 0
        lines.append(f"- **Shipping mimalloc (as uv does)**: `resolve-mimalloc` against the shipped glibc "
                     f"`resolve` is faster in {wins} of {len(mim)} cases and slower in {losses}: it "
                     f"{'would' if pays else 'would not'} pay for pyresolve on this machine.")
    return "\n".join(lines) + "\n"


def guard(results: dict, baseline: dict, tolerance: float) -> int:
    old = {(c["workload"], c["mode"], c["threads"]): c for c in baseline["cases"]}
    moved, compared = [], 0
    for c in results["cases"]:
        b = old.get((c["workload"], c["mode"], c["threads"]))
        if not b:
            continue
        for name, e in c["variants"].items():
            if name == "system" or name not in b["variants"] or "ratio_to_system" not in e:
                continue
            compared += 1
            was = b["variants"][name]
            then, now = was["ratio_to_system"], e["ratio_to_system"]
            change = now / then - 1
            # Both ratios are estimates: a move counts only beyond two standard errors of the change.
            se = ((was["ratio_se"] / then) ** 2 + (e["ratio_se"] / now) ** 2) ** 0.5
            if abs(change) > tolerance and abs(change) > 2 * se:
                moved.append(f"{case_name(c)} {name}: ratio to tuned glibc {then:.3f} -> {now:.3f} "
                             f"({change * 100:+.1f} % ± {se * 100:.1f} %)")
    print(f"guard: {compared} ratios compared with {baseline['date']}; {len(moved)} moved by more than "
          f"{tolerance * 100:.0f} %")
    for line in moved:
        print("  " + line)
    if moved:
        print("guard: re-measure the verdict (benches/run.sh --verdict) before trusting the README's figures")
    return 1 if moved else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--markdown")
    ap.add_argument("--readme")
    ap.add_argument("--guard", metavar="BASELINE")
    ap.add_argument("--tolerance", type=float, default=0.05)
    args = ap.parse_args()
    results = json.loads(Path(args.results).read_text())
    if args.guard:
        return guard(results, json.loads(Path(args.guard).read_text()), args.tolerance)
    text = tables(results)
    if args.markdown:
        Path(args.markdown).write_text(text)
    if args.readme:
        path = Path(args.readme)
        readme = path.read_text()
        if BEGIN not in readme or END not in readme:
            print(f"{path}: no verdict markers", file=sys.stderr)
            return 2
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        path.write_text(head + BEGIN + "\n" + tables(results, counters=False, pmr_table=False) + END + tail)
    if not args.markdown and not args.readme:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
