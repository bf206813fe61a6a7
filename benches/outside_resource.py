#!/usr/bin/env python3
"""Allocations that bypass the injected memory resource, per resolve, by call site.

Runs `bench_resolve_warm` under heaptrack twice (1 and 11 iterations, `--threads 1 --count`),
keeps the allocation stacks that pass through no `do_allocate` (so neither the counting
decorator nor any pmr strategy saw them), and prints (11-run count - 1-run count) / 10 per
site: the steady state of one resolve, without the set-up both runs share.

    benches/outside_resource.py BIN_DIR INDEX_URL REQUIREMENTS.in CACHE_DIR [--sites N]

CACHE_DIR must be warm for the bench's target (CPython 3.11.7 on this host): fill it once with
`BIN_DIR/resolve --index-url INDEX_URL --cache-dir CACHE_DIR --python-version 3.11.7 -o /dev/null
REQUIREMENTS.in`. A metadata file the cache lacks is an offline miss, whose error message
would be counted too. Needs Debian's heaptrack.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile


def stacks(bench, args, iterations, work):
    out = os.path.join(work, f"ht{iterations}")
    subprocess.run(["heaptrack", "-o", out, bench, *args, "--iterations", str(iterations), "--threads", "1", "--count"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folded = os.path.join(work, f"fg{iterations}.txt")
    subprocess.run(["heaptrack_print", "-f", out + ".zst", "-F", folded, "--flamegraph-cost-type", "allocations"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sites = collections.Counter()
    with open(folded) as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if any("do_allocate" in frame for frame in frames):
                continue  # went through a memory resource
            ours = [re.sub(r"\(.*", "", frame) for frame in frames if "pyresolve" in frame]
            sites[" <- ".join(reversed(ours[-4:])) or "(outside pyresolve)"] += int(n)
    return sites


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bin_dir")
    ap.add_argument("index_url")
    ap.add_argument("requirements")
    ap.add_argument("cache")
    ap.add_argument("--sites", type=int, default=15)
    o = ap.parse_args()
    bench = os.path.join(o.bin_dir, "bench_resolve_warm")
    args = [o.index_url, o.requirements, "--cache", o.cache]
    with tempfile.TemporaryDirectory() as work:
        one = stacks(bench, args, 1, work)
        eleven = stacks(bench, args, 11, work)
    per = {site: (eleven[site] - one.get(site, 0)) / 10 for site in eleven}
    print(f"allocations outside any resource, per resolve: {sum(per.values()):.1f}")
    for site, calls in sorted(per.items(), key=lambda kv: -kv[1])[: o.sites]:
        if calls >= 1:
            print(f"{calls:8.1f}  {site[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
