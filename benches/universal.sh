#!/usr/bin/env bash
# Universal resolution, timed side by side with benches/ab.py (rounds interleaved, ratio of
# medians with a 95 % bootstrap interval), warm and --offline:
#   1. jupyter.in universal from Python 3.9 against the single-environment resolve
#      (CPython 3.9 on Linux) of the same file;
#   2. the fork-heavy input (the top-100 list, universal from Python 3.8: its requirements split
#      by Python version and platform) at --threads 2 against --threads 1.
#
#   benches/universal.sh [--work DIR] [--rounds N]     (default /dev/shm/pyresolve-universal, 100)
#
# The index is the bundled snapshot's closure of both files (make-index, built once under DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
work=/dev/shm/pyresolve-universal
rounds=100
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    *) echo "universal.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
bin="${PYRESOLVE_BIN:-build/release/bin}"
mkdir -p "$work"
jupyter=data/uv-requirements/jupyter.in
top=benches/top1000/top-100-resolvable.in
if [ ! -e "$work/index/complete" ]; then
  rm -rf "$work/index"
  cat "$jupyter" "$top" | sed 's/\s*#.*//' | grep -v '^$' | sort -u > "$work/roots.in"
  "$bin/make-index" -q --snapshot data/pypi-snapshot-2023-09.jsonl.zst --closure-of "$work/roots.in" \
    --out "$work/index"
  : > "$work/index/complete"
fi
common=(--index-url "file://$work/index/simple" --cache-dir "$work/cache" -q --no-progress -o /dev/null)
single="$bin/resolve $jupyter ${common[*]} --python-version 3.9 --python-platform linux"
universal="$bin/resolve $jupyter ${common[*]} --universal --python-version 3.9"
forks="$bin/resolve $top ${common[*]} --universal --python-version 3.8"
# Fill the cache (what the warm runs read), and say how much each universal run forks.
$single
for cmd in "$universal" "$forks"; do
  ${cmd/ -q / } -v 2>&1 | sed -n 's/.*universal: \([0-9]* fork.*\)/\1/p'
done
echo "== warm jupyter.in: universal against one environment"
/usr/bin/python3 benches/ab.py "$rounds" "$single --offline" "$universal --offline"
echo "== warm top-100, universal: --threads 2 against --threads 1"
/usr/bin/python3 benches/ab.py "$rounds" "$forks --offline --threads 1" "$forks --offline --threads 2"
