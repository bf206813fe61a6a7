#!/usr/bin/env bash
# The allocator benchmark suite (issue #7) in one command: builds what it needs, writes the
# make-index tree of the bundled snapshot (closure of the workloads), serves it with nginx on
# 127.0.0.1 (stopped by its PID on exit), and runs benches/resolve_bench.py over it.
#
#   benches/run.sh [--quick | --readme | --full] [--work DIR] [--no-build] [-- DRIVER ARGS...]
#
#   --quick    a smoke run (~1 min): warm + cold black and jupyter; system, mimalloc and the
#              whole-process variants; 2 threads; 2 rounds x 5 runs. Error bars are wide.
#   --readme   the README's run (~15 min on 2 cores), every pmr strategy and whole-process
#              variant: warm jupyter at threads 1 and 2 (20 rounds x 10 runs = 200 per variant;
#              the CPU-time ratio is resampled over blocks, so more blocks tighten it),
#              warm boto3 at 2 threads (6 x 3), cold jupyter at 1 and 2 (5 x 10), and pip 23
#              --resolve-only (warm, its own HTTP cache) on black and jupyter, same index.
#   --full     (default) every mode (warm, noop, cold) x every workload (black, jupyter, boto3,
#              pdm_2193, jupyterlab, dask[complete], prefect, great-expectations, top-100,
#              top-1000) x every variant x threads 1 and 2, 5 rounds x 10 runs, plus pip.
#              Hours on this machine.
#   --work DIR where the index tree, caches and results go (default /dev/shm/pyresolve-bench,
#              tmpfs: the tree is ~570 k small files; else build/bench). Results: DIR/results-MODE/
#   --no-build use build/release as it is.
#   Anything after `--` goes to resolve_bench.py (e.g. `-- --rounds 20 --workloads jupyter`);
#   later flags win. `python3 benches/resolve_bench.py --help` lists them.
#
# Environment: PYRESOLVE_BIN (default build/release/bin), PIP_PYTHON (the python with pip 23;
# default python3 on PATH), PYRESOLVE_PEERS (default ../shared/peers).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
preset=full; work=""; build=1; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) preset=quick ;;
    --readme) preset=readme ;;
    --full) preset=full ;;
    --work) work="$2"; shift ;;
    --no-build) build=0 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

case "$preset" in
  quick) args=(--modes warm,cold --workloads black,jupyter --allocators system,mimalloc --threads 2
               --rounds 2 --runs 5 --warmup 1) ;;
  readme) args=(--modes warm --workloads jupyter --threads 1,2 --rounds 20 --runs 10 --warmup 2
                --peers --peer-workloads black,jupyter --peer-runs 5) ;;
  full) args=(--peers) ;;
esac

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
rm -rf "$out"
/usr/bin/python3 benches/resolve_bench.py --bin "$bin" --index-url "http://127.0.0.1:$port/simple" \
  --out "$out" "${args[@]}" "${extra[@]}"
if [ "$preset" = readme ]; then
  # boto3 warm is ~1 s a run (the solver backtracks through 1,400 botocore versions), and its
  # solver is single-threaded: 6 rounds x 3 runs at 2 threads. Then cold jupyter over nginx.
  /usr/bin/python3 benches/resolve_bench.py --bin "$bin" --index-url "http://127.0.0.1:$port/simple" \
    --out "$out" --append --modes warm --workloads boto3 --threads 2 --rounds 6 --runs 3 --warmup 1 "${extra[@]}"
  /usr/bin/python3 benches/resolve_bench.py --bin "$bin" --index-url "http://127.0.0.1:$port/simple" \
    --out "$out" --append --modes cold --workloads jupyter --threads 1,2 --rounds 5 --runs 10 --warmup 1 "${extra[@]}"
fi
