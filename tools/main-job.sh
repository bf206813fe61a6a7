#!/usr/bin/env bash
# The README's main job until the `resolve` command lands: a real resolve of a real
# requirements file against the bundled PyPI snapshot, offline.
#   1. the packaging demo reads the file for the target environment;
#   2. make-index reads the snapshot, keeps what the file can reach and emits it as a universe;
#   3. the PubGrub solver resolves the file's requirements against it and prints the pins.
# Usage: tools/main-job.sh [requirements.in]   (default data/uv-requirements/jupyter.in)
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-data/uv-requirements/jupyter.in}
bin=${PYRESOLVE_BIN:-build/release/bin}
work=$bin/../main-job
mkdir -p "$work"

"$bin/pyresolve-demo" --python-version 3.11 --python-platform linux "$input"
echo
"$bin/make-index" --snapshot data/pypi-snapshot-2023-09.jsonl.zst --closure-of "$input" \
  --dry-run --emit-universe "$work/universe.json" --out "$work/index"
mapfile -t roots < <(grep -vE '^\s*(#|-|$)' "$input" | sed 's/\s#.*//')
start=$EPOCHREALTIME
"$bin/resolve-universe" --via --python-version 3.11 "$work/universe.json" "${roots[@]}"
awk -v a="$start" -v b="$EPOCHREALTIME" -v r="${roots[*]}" \
  'BEGIN { printf "# resolved %s in %.2f s, most of it loading the universe JSON\n", r, b - a }' >&2
