#!/bin/bash
# snapshot_tree.sh MAKE_INDEX
#
# The snapshot closure of uv's black.in and jupyter.in as one make-index tree plus its universe,
# shared by every test that needs a real-sized index. It is about 1.7 GB on disk (half a million
# small files) and does not depend on the build, so it is built once for every preset under
# SRC/build/fixtures/resolver-black-jupyter (PYRESOLVE_SHARED_FIXTURES overrides the parent),
# under a lock, since test cases run as parallel processes. Prints the tree's directory; the
# universe is `universe.json` beside it.
set -euo pipefail
make_index="$1"
src="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${PYRESOLVE_SHARED_FIXTURES:-$src/build/fixtures}/resolver-black-jupyter"
mkdir -p "$dir"
exec 9> "$dir/.lock"
flock 9
if [ ! -e "$dir/complete" ]; then
  rm -rf "$dir/index" "$dir/universe.json"
  "$make_index" -q --snapshot "$src/data/pypi-snapshot-2023-09.jsonl.zst" --closure-of 'black;jupyter' \
    --emit-universe "$dir/universe.json" --out "$dir/index" >&2
  # Versions that are not PEP 440 are skipped by the index client, as by pip; the checker would
  # raise on them, so they leave its universe too.
  /usr/bin/python3 "$src/tests/support/pep440_universe.py" "$dir/universe.json" >&2
  : > "$dir/complete"
fi
flock -u 9
echo "$dir/index"
