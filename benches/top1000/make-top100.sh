#!/usr/bin/env bash
# Writes benches/top1000/top-100-resolvable.in: the entries of top-1000-resolvable.in (made by
# make-list.sh) that are among the first 100 names of data/top-pypi/top-1000.txt, in that
# file's order. No resolving: the one-by-one check was make-list.sh's.
#   benches/top1000/make-top100.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
src=benches/top1000/top-1000-resolvable.in
out=benches/top1000/top-100-resolvable.in
tmp=$(mktemp)
head -n 100 data/top-pypi/top-1000.txt | grep -vxF '' >"$tmp.top"
grep -vE '^\s*(#|$)' "$src" | grep -xFf "$tmp.top" >"$tmp" || true
{
  echo "# The projects of $src that are among the first 100 names of"
  echo "# data/top-pypi/top-1000.txt ($(wc -l <"$tmp") of 100), i.e. the top 100 that resolve one by one"
  echo "# against the bundled 2023-09 snapshot. Made by benches/top1000/make-top100.sh from that file."
  cat "$tmp"
} >"$out"
rm -f "$tmp" "$tmp.top"
