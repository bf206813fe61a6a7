#!/usr/bin/env bash
# `resolve batch` on real data: the 1,000 projects of data/top-pypi/top-1000.txt, each resolved
# alone (one job per project), warm and offline, for Python 3.11.7 on linux, measured side by
# side in one run (each comparison interleaved round by round, as benches/ab.py does):
#
#   1. the 1,000 jobs as ONE `resolve batch` at --threads 1 and --threads 2: wall time, jobs/s,
#      peak RSS (/usr/bin/time -f %M), the speedup from 1 to 2 threads;
#   2. the same problems as 1,000 `resolve` processes, `echo NAME | resolve - ... -o /dev/null -q`,
#      run by GNU parallel -j2 (and by xargs -P2, a lighter launcher; and GNU parallel running
#      `true`, the launcher's own cost);
#   3. libsolv's testsolv on the same problems, one testcase holding the universe once and one
#      job per project (`nextjob`); what is timed is the solving alone (benches/batch_bench.py's
#      docstring says exactly how);
#   4. the throughput ratios batch / processes and batch / testsolv, with 95 % intervals; and a
#      check that every job's answer (exit code and pins) in every batch run equals that of the
#      same project resolved by its own process;
#   5. the allocator matrix on the batch: every --allocator strategy and the whole-process
#      variants (resolve-mimalloc, resolve-jemalloc, tbbmalloc's LD_PRELOAD proxy) at
#      --threads 1 and 2: wall-time ratio to --allocator system, cross-thread frees / frees
#      (from -v), peak RSS.
#
#   benches/batch.sh [--quick] [--out FILE] [--work DIR] [--no-build]
#                    [--limit N] [--head-rounds N] [--matrix-rounds N]
#
#   (default)          all 1,000 names; head-to-head 3 rounds, allocator matrix 40 rounds
#                      (+2 warm-up): 15 min on the 2-vCPU VM when it is otherwise idle, 24 min
#                      at load average 4
#   --quick            a 2-minute check: the first 100 names, 2 head-to-head rounds, 5 matrix rounds
#   --out FILE         the Markdown results (default WORK/results.md; raw samples in WORK/results.json)
#   --work DIR         index tree, cache, testcases and results (default /dev/shm/pyresolve-batch,
#                      tmpfs: the index is ~1.7 GB of small files; else build/bench-batch)
#   --no-build         use build/release as it is
#   --limit N          only the first N names
#   --head-rounds N, --matrix-rounds N   rounds of the two interleaved comparisons
#
# The index is the make-index tree of the bundled 2023-09 snapshot, closure of the 1,000 names
# (rebuilt only when that list changes), served by nginx on 127.0.0.1 (tests/servers/nginx.sh,
# stopped by its PID on exit); make-index also writes the universe JSON the libsolv testcases are
# encoded from (benches/libsolv_case.py's rank encoding; cached under WORK). The cache is
# emptied, then filled by one batch run, so every timed run is warm and --offline.
# Environment: PYRESOLVE_BIN (default build/release/bin). Needs GNU parallel, testsolv
# (libsolv-tools), nginx and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
load_start=$(cat /proc/loadavg)
command_line="benches/batch.sh${*:+ $*}"
work=""; build=1; out=""; limit=0; head_rounds=""; matrix_rounds=""; quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out="$2"; shift ;;
    --work) work="$2"; shift ;;
    --no-build) build=0 ;;
    --limit) limit="$2"; shift ;;
    --head-rounds) head_rounds="$2"; shift ;;
    --matrix-rounds) matrix_rounds="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "batch.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  [ "$limit" != 0 ] || limit=100
  head_rounds=${head_rounds:-2}
  matrix_rounds=${matrix_rounds:-5}
fi
head_rounds=${head_rounds:-3}
matrix_rounds=${matrix_rounds:-40}
if [ -z "$work" ]; then
  if [ -w /dev/shm ]; then work=/dev/shm/pyresolve-batch; else work="$SRC/build/bench-batch"; fi
fi
mkdir -p "$work"
out=${out:-$work/results.md}
bin="${PYRESOLVE_BIN:-$SRC/build/release/bin}"
for tool in parallel testsolv /usr/sbin/nginx /usr/bin/time; do
  command -v "$tool" > /dev/null || { echo "batch.sh: $tool is missing" >&2; exit 69; }
done

if [ "$build" = 1 ]; then
  [ -f build/release/build.ninja ] || cmake --preset release > /dev/null
  cmake --build --preset release -j2 --target resolve resolve-mimalloc resolve-jemalloc make-index
fi

names=data/top-pypi/top-1000.txt
if ! cmp -s "$names" "$work/closure.in" || [ ! -d "$work/index/simple" ] || [ ! -f "$work/universe.json" ]; then
  rm -rf "$work/index" "$work/universe.json"
  echo "batch.sh: make-index (closure of $names) -> $work/index" >&2
  "$bin/make-index" -q --snapshot data/pypi-snapshot-2023-09.jsonl.zst --closure-of "$names" \
    --out "$work/index" --emit-universe "$work/universe.json"
  cp "$names" "$work/closure.in"
fi

state="$work/nginx-$$"
read -r port pid _ < <(tests/servers/nginx.sh start "$work/index" "$state")
trap 'tests/servers/nginx.sh stop "$state"; rm -rf "$state"' EXIT
echo "batch.sh: nginx pid $pid on 127.0.0.1:$port; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 benches/batch_bench.py --bin "$bin" --work "$work" --index-url "http://127.0.0.1:$port/simple" \
  --universe "$work/universe.json" --names "$names" --limit "$limit" \
  --head-rounds "$head_rounds" --matrix-rounds "$matrix_rounds" \
  --out "$out" --command "$command_line" --load-start "$load_start"
