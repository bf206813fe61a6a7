#!/usr/bin/env bash
# Runs tools/main-job.sh on jupyter.in (bin/resolve over a file:// make-index tree, cold then
# warm) and checks that it pins a complete, valid environment:
# exit 0, jupyter itself pinned, dozens of pins, and (when ../shared's peers are present)
# every pin accepted by check_solution.py on the same universe.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out" "$out.pins" "$out.universe"' EXIT
"$repo/tools/main-job.sh" > "$out"
grep -E '^[a-z0-9-]+==' "$out" > "$out.pins"
grep -q '^jupyter==1\.0\.0$' "$out.pins" || { echo "jupyter is not pinned"; cat "$out"; exit 1; }
count=$(wc -l < "$out.pins")
[ "$count" -ge 50 ] || { echo "only $count pins"; exit 1; }
echo "main job pinned $count packages"
check=${PYRESOLVE_SHARED:-$repo/../shared}/peers/check_solution.py
[ -f "$check" ] || check=/work/shared/peers/check_solution.py
if [ -f "$check" ]; then
  # check_solution.py cannot read versions that are not PEP 440; resolvers ignore them too.
  /usr/bin/python3 "$repo/tests/support/pep440_universe.py" "$PYRESOLVE_BIN/../main-job/universe.json" "$out.universe"
  /usr/bin/python3 "$check" "$out.universe" --pins "$out.pins" --python-version 3.11.7 jupyter
else
  echo "check_solution.py not found: validity not checked by the peer"
fi
