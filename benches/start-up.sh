#!/usr/bin/env bash
# The smallest problems, where the process start is most of the run: warm `resolve` against
# libsolv's `testsolv` on the same problem, side by side in one hyperfine call (so drift hits
# both), for uv's black.in (5 pins) and jupyter.in (73 pins). The index is the black+jupyter
# snapshot closure the tests build (tests/support/snapshot_tree.sh); the libsolv cases are
# written from its universe by benches/libsolv_case.py. Extra `resolve` programs (another build,
# say) are timed in the same call.
#
#   benches/start-up.sh [RUNS] [RESOLVE...]      (default: 300 runs, build/release/bin/resolve)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
shift || true
programs=("$@")
[ "${#programs[@]}" -gt 0 ] || programs=(build/release/bin/resolve)
tree=$(tests/support/snapshot_tree.sh build/release/bin/make-index)
work=${PYRESOLVE_BENCH_WORK:-/tmp/pyresolve-start-up}
mkdir -p "$work"
args="--index-url file://$tree/simple --python-version 3.11 --python-platform linux --no-progress -q -o /dev/null"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in black jupyter; do
  input=data/uv-requirements/$name.in
  [ -f "$work/$name.t" ] || /usr/bin/python3 benches/libsolv_case.py "$tree/../universe.json" "$input" "$work/$name.t"
  commands=("testsolv -r $work/$name.t")
  for i in "${!programs[@]}"; do
    cache="$work/cache-$i"
    "${programs[$i]}" $args --cache-dir "$cache" "$input"  # fills the cache (cold)
    commands+=("${programs[$i]} $args --offline --cache-dir $cache $input")
  done
  hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/$name.json" "${commands[@]}"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
