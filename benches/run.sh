#!/usr/bin/env bash
# The allocator benchmark suite in one command: builds what it needs, writes the
# make-index tree of the bundled snapshot (closure of the workloads), serves it with nginx on
# 127.0.0.1 (stopped by its PID on exit), and runs benches/resolve_bench.py over it.
#
#   benches/run.sh [--quick | --verdict | --readme | --matrix | --tighten | --full] [--work DIR] [--no-build] [-- DRIVER ARGS...]
#
#   --quick    the guard (80 s on this VM, 2026-12-08): warm jupyter and noop top-100 (60 rounds) and cold jupyter
#              (16 rounds), every variant as shipped, 2 threads, interleaved; then
#              benches/allocator_verdict.py --guard compares each ratio to tuned glibc with the
#              last verdict's (benches/results/allocator-verdict.json) and lists every variant
#              that moved by more than 5 % (exit 1). Run it before a release, after a change to
#              allocator/, cli/tool/ or the cache's read path.
#   --verdict  the allocator verdict (90 min idle on this VM, 2026-12-08): every heap as shipped (its short-run
#              settings) and with its library's defaults (--heap-settings tuned,defaults), 2
#              threads, runs interleaved one per variant per round and ratios paired by round
#              (--interleave), each case run until every ratio's standard error is within its
#              target or its round limit: warm and noop jupyter, boto3, top-100 (60-400 rounds,
#              1 %); warm and noop top-1000, warm universal top-100 and a batch of the top-1000
#              projects (40-150 rounds, 2 %); cold jupyter, boto3, top-100 (20-40 rounds, 2 %);
#              cold top-1000, whole-process heaps only (12-24 rounds, 2 %). Faults, user and
#              system time of every run; perf counters of the warm and noop cases and
#              instructions (callgrind) of the short ones. Then benches/allocator_verdict.py
#              writes the summary (DIR/results-verdict/verdict.md).
#   --readme   the README's first run (~15 min on 2 cores), every pmr strategy and whole-process
#              variant: warm jupyter at threads 1 and 2 (20 rounds x 10 runs = 200 per variant;
#              the CPU-time ratio is resampled over blocks, so more blocks tighten it),
#              warm boto3 at 2 threads (6 x 3), cold jupyter at 1 and 2 (5 x 10), and pip 23
#              --resolve-only (warm, its own HTTP cache) on black and jupyter, same index.
#   --matrix   every mode x every workload, in about 35 min on this 2-core machine when it is
#              otherwise idle (estimated from per-run medians measured at load average 4; the
#              run prints its duration). "all variants" = the 7 pmr strategies + the 3
#              whole-process variants (resolve-mimalloc, resolve-jemalloc, tbbmalloc proxy);
#              R x N = alternating rounds x hyperfine runs per block (+1 warm-up per block):
#                warm, all variants, threads 1 and 2:
#                  black, jupyter, pdm_2193, jupyterlab, dask[complete], prefect   16 x 6
#                  boto3, great-expectations, top-100                            10 x 5
#                warm top-1000, all variants, threads 2                          8 x 3
#                noop, all variants, threads 2: every workload but top-1000      16 x 6
#                noop top-1000, all variants, threads 2                          10 x 5
#                cold, all variants, threads 2: black, pdm_2193, jupyter, dask   6 x 5
#                cold jupyter, all variants, threads 1                           6 x 5
#                cold jupyterlab, prefect, great-expectations, boto3, top-100:
#                  system, mimalloc, resolve-mimalloc, resolve-jemalloc; threads 2  5 x 3
#                cold top-1000: system and resolve-mimalloc; threads 2 (3 s a run) 4 x 2, no warm-up
#                peers on black and jupyter: pip 23 --resolve-only (5 runs, alternating with
#                  pyresolve) and Poetry 1.3's solver in memory (3 solves, between two
#                  10-run hyperfine runs of pyresolve); see benches/poetry_peer.py.
#              Threads 1 only where the work is small enough to repeat; cold runs of the big
#              workloads with fewer variants: a cold top-1000 run is 3 s, most of it HTTP.
#              Runs per variant and case (wall-time ratio) / blocks (CPU-time ratio): 96 / 16
#              for the small warm and noop cases, 50 / 10 for the mid ones, 24-50 / 8-10 for
#              top-1000, 30 / 6 cold. Results: DIR/results-matrix/.
#   --tighten  only the matrix cases whose ratios were above ±2 % standard error in the
#              2026-11-26 matrix run (benches/results/2026-11-26-matrix-summary.md), with the
#              runs needed to bring them under it (~20 min): warm boto3, great-expectations and
#              top-100 at 1 thread, 20 x 10; noop top-100, 24 x 10; cold jupyter and
#              dask[complete] (all variants, 2 threads) and cold jupyter at 1 thread, 12 x 5;
#              cold jupyterlab, prefect, great-expectations, boto3, top-100 (four variants),
#              10 x 3; cold top-1000 (system and resolve-mimalloc), 30 x 3. The spread of a single
#              run does not shrink with more runs; the standard error of the median ratio
#              falls as 1/sqrt(runs).
#   --full     (default) every mode (warm, noop, cold) x every workload (black, jupyter, boto3,
#              pdm_2193, jupyterlab, dask[complete], prefect, great-expectations, top-100,
#              top-1000) x every variant x threads 1 and 2, 5 rounds x 10 runs, plus the peers.
#              Hours on this machine.
#   --resume   keep DIR/results-PRESET and go on with its cases: a case that reached its round
#              limit or whose ratios are all within its target is kept as it is; the others run
#              more rounds from their raw runs (the same binaries: --no-build), or, when only
#              results.json is there (e.g. benches/results/allocator-verdict.json copied in),
#              run afresh and replace their entries. Raise the limit after --:
#              `benches/run.sh --verdict --resume -- --max-rounds 400`.
#   --work DIR where the index tree, caches and results go (default /dev/shm/pyresolve-bench,
#              tmpfs: the tree is ~570 k small files; else build/bench). Results: DIR/results-MODE/
#   --no-build use build/release as it is.
#   Anything after `--` goes to resolve_bench.py, in every one of its runs (e.g.
#   `--matrix -- --rounds 1 --runs 2` to check the whole matrix quickly); later flags win.
#   `python3 benches/resolve_bench.py --help` lists them.
#
# The top-100 and top-1000 workloads are benches/top1000/top-100-resolvable.in and
# top-1000-resolvable.in (made by make-top100.sh and make-list.sh there).
#
# Environment: PYRESOLVE_BIN (default build/release/bin), PIP_PYTHON (the python with pip 23;
# default python3 on PATH), PYRESOLVE_PEERS (default ../shared/peers). The Poetry peer needs
# Debian's python3-poetry for /usr/bin/python3; without it that peer is skipped (and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
preset=full; work=""; build=1; resume=0; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) preset=quick ;;
    --verdict) preset=verdict ;;
    --readme) preset=readme ;;
    --matrix) preset=matrix ;;
    --full) preset=full ;;
    --tighten) preset=tighten ;;
    --work) work="$2"; shift ;;
    --no-build) build=0 ;;
    --resume) resume=1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
if [ -z "$work" ]; then
  if [ -w /dev/shm ]; then work=/dev/shm/pyresolve-bench; else work="$SRC/build/bench"; fi
fi
mkdir -p "$work"
bin="${PYRESOLVE_BIN:-$SRC/build/release/bin}"

if [ "$build" = 1 ]; then
  [ -f build/release/build.ninja ] || cmake --preset release > /dev/null
  cmake --build --preset release -j2 --target resolve resolve-mimalloc resolve-jemalloc make-index \
    bench_resolve_warm
fi

# The tree: the closure of every workload's roots (uv's files, the single roots, the top 1000),
# rebuilt only when that list changes.
roots="$work/closure.in"
{
  for f in black jupyter boto3 pdm_2193; do grep -vE '^\s*(#|$)' "data/uv-requirements/$f.in"; done
  printf '%s\n' jupyterlab 'dask[complete]' prefect great-expectations
  cat data/top-pypi/top-1000.txt
} | sed 's/\s#.*//' | sort -u > "$roots.new"
if ! cmp -s "$roots.new" "$roots" || [ ! -d "$work/index/simple" ]; then
  rm -rf "$work/index"
  echo "run.sh: make-index (closure of $(wc -l < "$roots.new") roots) -> $work/index" >&2
  "$bin/make-index" -q --snapshot data/pypi-snapshot-2023-09.jsonl.zst --closure-of "$roots.new" --out "$work/index"
  mv "$roots.new" "$roots"
else
  rm -f "$roots.new"
fi

state="$work/nginx-$$"
read -r port pid _ < <(tests/servers/nginx.sh start "$work/index" "$state")
trap 'tests/servers/nginx.sh stop "$state"; rm -rf "$state"' EXIT
echo "run.sh: nginx pid $pid on 127.0.0.1:$port; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# A fresh results folder each time: the warm cache is keyed by the index URL, whose port changes.
out="$work/results-$preset"
if [ "$resume" = 1 ]; then
  [ -f "$out/results.json" ] || { echo "run.sh: --resume: no $out/results.json" >&2; exit 64; }
  extra=(--resume "${extra[@]}")
else
  rm -rf "$out"
fi
# One driver run; each appends its cases to $out/results.json, so a preset can mix settings.
drive() {
  /usr/bin/python3 benches/resolve_bench.py --bin "$bin" --index-url "http://127.0.0.1:$port/simple" \
    --out "$out" --append "$@" "${extra[@]}"
}
small=black,jupyter,pdm_2193,jupyterlab,dask-complete,prefect
mid=boto3,great-expectations,top-100
case "$preset" in
  quick)
    drive --modes warm --workloads jupyter --threads 2 --interleave --rounds 60
    drive --modes noop --workloads top-100 --threads 2 --interleave --rounds 60
    drive --modes cold --workloads jupyter --threads 2 --interleave --rounds 16
    /usr/bin/python3 benches/allocator_verdict.py "$out/results.json" --guard benches/results/allocator-verdict.json ;;
  verdict)
    both=(--threads 2 --heap-settings tuned,defaults --interleave)
    drive --modes warm,noop --workloads jupyter,boto3,top-100 --rounds 60 --target-se 0.01 --max-rounds 400 \
      "${both[@]}" --counters --instructions
    drive --modes warm,noop --workloads top-1000 --rounds 40 --target-se 0.02 --max-rounds 150 "${both[@]}" --counters
    drive --modes warm --workloads top-100-universal,batch-top-1000 --rounds 40 --target-se 0.02 --max-rounds 150 \
      "${both[@]}" --counters
    drive --modes cold --workloads jupyter,boto3,top-100 --rounds 20 --target-se 0.02 --max-rounds 40 "${both[@]}"
    drive --modes cold --workloads top-1000 --variants process --rounds 12 --target-se 0.02 --max-rounds 24 "${both[@]}"
    /usr/bin/python3 benches/allocator_verdict.py "$out/results.json" --markdown "$out/verdict.md" ;;
  readme)
    drive --modes warm --workloads jupyter --threads 1,2 --rounds 20 --runs 10 --warmup 2 \
      --peers --peer-workloads black,jupyter --peer-runs 5 --poetry-rounds 0
    # boto3 warm is slow (the solver backtracks through 1,400 botocore versions), and its
    # solver is single-threaded: 6 rounds x 3 runs at 2 threads. Then cold jupyter over nginx.
    drive --modes warm --workloads boto3 --threads 2 --rounds 6 --runs 3 --warmup 1
    drive --modes cold --workloads jupyter --threads 1,2 --rounds 5 --runs 10 --warmup 1 ;;
  matrix)
    drive --modes warm --workloads "$small" --threads 1,2 --rounds 16 --runs 6 --warmup 1
    drive --modes warm --workloads "$mid" --threads 1,2 --rounds 10 --runs 5 --warmup 1
    drive --modes warm --workloads top-1000 --threads 2 --rounds 8 --runs 3 --warmup 1
    drive --modes noop --workloads "$small,$mid" --threads 2 --rounds 16 --runs 6 --warmup 1
    drive --modes noop --workloads top-1000 --threads 2 --rounds 10 --runs 5 --warmup 1
    drive --modes cold --workloads black,pdm_2193,jupyter,dask-complete --threads 2 --rounds 6 --runs 5 --warmup 1
    drive --modes cold --workloads jupyter --threads 1 --rounds 6 --runs 5 --warmup 1
    drive --modes cold --workloads jupyterlab,prefect,great-expectations,boto3,top-100 --threads 2 \
      --allocators system,mimalloc --process-variants mimalloc,jemalloc --rounds 5 --runs 3 --warmup 1
    drive --modes cold --workloads top-1000 --threads 2 --allocators system --process-variants mimalloc \
      --rounds 4 --runs 2 --warmup 0
    drive --workloads "" --peers --peer-workloads black,jupyter --peer-runs 5 --poetry-rounds 3 ;;
  tighten)
    drive --modes warm --workloads "$mid" --threads 1 --rounds 20 --runs 10 --warmup 1
    drive --modes noop --workloads top-100 --threads 2 --rounds 24 --runs 10 --warmup 1
    drive --modes cold --workloads jupyter,dask-complete --threads 2 --rounds 12 --runs 5 --warmup 1
    drive --modes cold --workloads jupyter --threads 1 --rounds 12 --runs 5 --warmup 1
    drive --modes cold --workloads jupyterlab,prefect,great-expectations,boto3,top-100 --threads 2 \
      --allocators system,mimalloc --process-variants mimalloc,jemalloc --rounds 10 --runs 3 --warmup 1
    drive --modes cold --workloads top-1000 --threads 2 --allocators system --process-variants mimalloc \
      --rounds 30 --runs 3 --warmup 0 ;;
  full)
    drive --peers ;;
esac
echo "run.sh: --$preset took $((SECONDS / 60)) min $((SECONDS % 60)) s; load average now $(cut -d' ' -f1-3 /proc/loadavg)" >&2
