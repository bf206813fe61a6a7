#!/usr/bin/env bash
# The README's main job: a real resolve of a real requirements file against the bundled
# 2023-09 PyPI snapshot, offline, through the same path a PyPI resolve takes.
#   1. make-index writes the part of the snapshot the file can reach as a static simple index
#      (PEP 691 JSON + PEP 503 HTML pages, PEP 658 .metadata files), once per input;
#   2. `resolve` reads that index through file:// with an empty cache (cold), then again from
#      its warm cache with --offline, and prints both times and the pinned requirements.
# Usage: tools/main-job.sh [requirements.in]   (default data/uv-requirements/jupyter.in)
# Env: PYRESOLVE_BIN (default build/release/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-data/uv-requirements/jupyter.in}
bin=${PYRESOLVE_BIN:-build/release/bin}
snapshot=data/pypi-snapshot-2023-09.jsonl.zst
work=$bin/../main-job
tree=$work/index
cache=$work/cache
mkdir -p "$work"

# The tree depends on the snapshot, the input and the builder; rebuild when any changes.
key=$(cat "$snapshot" "$input" "$bin/make-index" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$tree/.stamp" 2>/dev/null)" != "$key" ]; then
  rm -rf "$tree"
  start=$EPOCHREALTIME
  "$bin/make-index" -q --snapshot "$snapshot" --closure-of "$input" --out "$tree" \
    --emit-universe "$work/universe.json"
  echo "$key" > "$tree/.stamp"
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "# index written in %.1f s\n", b - a }' >&2
fi
url="file://$(cd "$tree" && pwd)/simple"
args=(--index-url "$url" --cache-dir "$cache" --python-version 3.11 --python-platform linux --no-progress)

# No pins of an earlier run either: they would steer the cold run past versions the warm one reads.
rm -rf "$cache" "$work/cold.txt"
start=$EPOCHREALTIME
"$bin/resolve" "${args[@]}" -q -o "$work/cold.txt" "$input"
cold=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')

start=$EPOCHREALTIME
"$bin/resolve" "${args[@]}" --offline "$input"
warm=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')

cmp -s <(grep -v '^#' "$work/cold.txt") <("$bin/resolve" "${args[@]}" --offline -q "$input" | grep -v '^#') ||
  { echo "main job: the cold and warm resolutions differ" >&2; exit 1; }
echo "# resolved $input: cold (empty cache, file:// index) ${cold} ms, warm (--offline) ${warm} ms" >&2
