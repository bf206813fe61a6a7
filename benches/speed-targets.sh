#!/usr/bin/env bash
# The whole-process speed targets, two binaries side by side: warm jupyter.in,
# warm boto3.in and the top-1,000 list together, each pair in one hyperfine call (so drift
# hits both), then peak RSS of warm jupyter. Each binary fills its own cache first (entry
# formats differ between builds). The index is the bundled snapshot's black+jupyter closure
# that the resolver_index tests build (build/fixtures/resolver-black-jupyter/index).
#
#   benches/speed-targets.sh BASE_RESOLVE NEW_RESOLVE [WORK_DIR]
#
# Medians: python3 -c 'import json,statistics as s; ...' over WORK_DIR/*.json (hyperfine's
# --export-json), or read hyperfine's ratio line. The in-memory target is
# `build/release/bin/bench_solve_universe tests/resolver/data/universe_rand1000.json 200`.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 new=$2 work=${3:-/tmp/pyresolve-speed-targets}
tree=build/fixtures/resolver-black-jupyter/index
[ -d "$tree/simple" ] || { echo "no $tree: run the resolver_index tests once (ctest -L resolver_index)" >&2; exit 2; }
args="--index-url file://$PWD/$tree/simple -q --no-progress --python-version 3.11 --python-platform x86_64-manylinux_2_17 -o /dev/null"
inputs=(data/uv-requirements/jupyter.in data/uv-requirements/boto3.in benches/top1000/top-1000-resolvable.in)
rm -rf "$work"
for side in base new; do
  bin=$base; [ $side = new ] && bin=$new
  for f in "${inputs[@]}"; do "$bin" --cache-dir "$work/$side" $args "$f"; done
done
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # name warmup runs input
  hyperfine -N --warmup "$2" --runs "$3" --export-json "$work/$1.json" \
    "$base --cache-dir $work/base --offline $args $4" "$new --cache-dir $work/new --offline $args $4"
}
run jupyter 5 60 data/uv-requirements/jupyter.in
run boto3 3 40 data/uv-requirements/boto3.in
run top1000 2 20 benches/top1000/top-1000-resolvable.in
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in base new; do
  bin=$base; [ $side = new ] && bin=$new
  /usr/bin/time -f "$side: peak RSS %M KiB (warm jupyter.in)" "$bin" --cache-dir "$work/$side" --offline $args data/uv-requirements/jupyter.in
done
