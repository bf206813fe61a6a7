#!/usr/bin/env python3
"""Allocations that bypass the injected memory resource, per resolve, by call site.

Runs `bench_resolve_warm` under heaptrack twice (1 and 11 iterations, `--threads 1 --count`),
keeps the allocation stacks that pass through no `do_allocate` (so neither the counting
decorator nor any pmr strategy saw them), and prints (11-run count - 1-run count) / 10 per
site: the steady state of one resolve, without the set-up both runs share.

    benches/outside_resource.py BIN_DIR INDEX_URL REQUIREMENTS.in CACHE_DIR [--sites N]
    benches/outside_resource.py --once [--sites N] -- COMMAND ARGS...

`--once` runs COMMAND (e.g. a whole `resolve` process) under heaptrack a single time and
splits all of its allocations, start-up and output included, the same way.

CACHE_DIR must be warm for the bench's target (CPython 3.11.7 on this host): fill it once with
`BIN_DIR/resolve --index-url INDEX_URL --cache-dir CACHE_DIR --python-version 3.11.7 -o /dev/null
REQUIREMENTS.in`. A metadata file the cache lacks is an offline miss, whose error message
would be counted too. Needs Debian's heaptrack.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile


THROUGH = "(through a resource)"


def stacks(command, work, tag):
    """Allocation calls of `command` outside any resource, by site (heaptrack)."""
    out = os.path.join(work, f"ht{tag}")
    run = subprocess.run(["heaptrack", "-o", out, *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit(f"outside_resource.py: heaptrack {' '.join(command)} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    folded = os.path.join(work, f"fg{tag}.txt")
    subprocess.run(["heaptrack_print", "-f", out + ".zst", "-F", folded, "--flamegraph-cost-type", "allocations"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sites = collections.Counter()
    sites[THROUGH] = 0
    with open(folded) as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if any("do_allocate" in frame for frame in frames):
                sites[THROUGH] += int(n)  # went through a memory resource
                continue
            ours = [re.sub(r"\(.*", "", frame) for frame in frames if "pyresolve" in frame]
            sites[" <- ".join(reversed(ours[-4:])) or "(outside pyresolve)"] += int(n)
    return sites


def report(per, what, sites):
    through = per.pop(THROUGH)
    print(f"allocations through a resource, {what}: {through:.1f}")
    print(f"allocations outside any resource, {what}: {sum(per.values()):.1f}")
    for site, calls in sorted(per.items(), key=lambda kv: -kv[1])[:sites]:
        if calls >= 1:
            print(f"{calls:8.1f}  {site[:200]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--once", action="store_true", help="run the command after -- once, whole")
    ap.add_argument("--sites", type=int, default=15)
    ap.add_argument("rest", nargs="*")
    o = ap.parse_args()
    if shutil.which("heaptrack") is None or shutil.which("heaptrack_print") is None:
        sys.exit("outside_resource.py: needs heaptrack and heaptrack_print (Debian's heaptrack package)")
    with tempfile.TemporaryDirectory() as work:
        if o.once:
            if not o.rest:
                ap.error("--once needs a command after --")
            report(stacks(o.rest, work, "once"), "in the whole run", o.sites)
            return 0
        if len(o.rest) != 4:
            ap.error("expected BIN_DIR INDEX_URL REQUIREMENTS.in CACHE_DIR")
        bin_dir, index_url, requirements, cache = o.rest
        bench = [os.path.join(bin_dir, "bench_resolve_warm"), index_url, requirements, "--cache", cache,
                 "--threads", "1", "--count", "--iterations"]
        one = stacks(bench + ["1"], work, 1)
        eleven = stacks(bench + ["11"], work, 11)
    report({site: (eleven[site] - one.get(site, 0)) / 10 for site in eleven}, "per resolve", o.sites)
    return 0


if __name__ == "__main__":
    sys.exit(main())
