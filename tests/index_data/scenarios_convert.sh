#!/usr/bin/env bash
# Every uv/packse scenario TOML converts to a tree that checks out. Skips (77) without the data.
set -euo pipefail
MAKE_INDEX="$1"; SRC="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$SRC/data/uv-scenarios/scenarios"
[ -d "$DIR" ] || DIR="$SRC/../../shared/data/uv-scenarios/scenarios"
[ -d "$DIR" ] || DIR=/work/shared/data/uv-scenarios/scenarios
[ -d "$DIR" ] || { echo "no scenarios: skipped"; exit 77; }
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
n=0
while IFS= read -r f; do
  rm -rf "$T/out"
  "$MAKE_INDEX" -q --scenario "$f" --out "$T/out" --emit-universe "$T/u.json" || { echo "FAILED: $f"; exit 1; }
  /usr/bin/python3 "$HERE/check_tree.py" "$T/out" > /dev/null || { echo "bad tree: $f"; exit 1; }
  n=$((n + 1))
done < <(find "$DIR" -name '*.toml' | sort)
[ "$n" -gt 0 ]
echo "$n scenarios converted"
