#!/usr/bin/env bash
# Writes benches/top1000/top-1000-resolvable.in: the projects of data/top-pypi/top-1000.txt that
# resolve one by one against the bundled snapshot (Python 3.11, manylinux x86_64), in the
# top list's order. The top-1,000 benchmark resolves them all together, warm.
#   benches/top1000/make-list.sh INDEX_URL CACHE_DIR [BIN]
# INDEX_URL: the snapshot's make-index tree served over HTTP (tests/servers/nginx.sh), so that
# pages are cached; CACHE_DIR ends up warm for the benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
url=$1 cache=$2 bin=${3:-build/release/bin/resolve}
out=benches/top1000/top-1000-resolvable.in
tmp=$(mktemp)
ok=0 failed=0
while read -r name; do
  [ -z "$name" ] && continue
  if timeout 60 "$bin" --index-url "$url" --cache-dir "$cache" -q --no-progress --python-version 3.11 \
       --python-platform x86_64-manylinux_2_17 -o /dev/null - <<<"$name" >/dev/null 2>&1; then
    echo "$name" >>"$tmp"; ok=$((ok + 1))
  else
    failed=$((failed + 1))
  fi
done <data/top-pypi/top-1000.txt
{
  echo "# The projects of data/top-pypi/top-1000.txt that resolve one by one against the bundled"
  echo "# 2023-09 snapshot for Python 3.11 / x86_64-manylinux_2_17 ($ok of $((ok + failed)))."
  echo "# Made by benches/top1000/make-list.sh; resolved together by the top-1,000 benchmark."
  cat "$tmp"
} >"$out"
rm -f "$tmp"
echo "$ok resolve, $failed do not" >&2
