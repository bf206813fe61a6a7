#!/bin/bash
# universal_real.sh BIN_DIR SRC
#
# Universal resolutions of real requirement files on the bundled snapshot, for every platform
# and CPython from 3.9: black.in, jupyter.in, boto3.in, pdm_2193.in, dask[complete] and the
# top-100 list. Each answer is projected onto every environment of the grid and checked there
# (universal_check.py); the summary line of each file says how many forks the resolution made
# and how many of its pins differ from the single-environment answer (CPython 3.9 on Linux).
set -euo pipefail
bin="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
reqs="$src/data/uv-requirements"

# The requirement lines of a file (no comments, no options).
lines() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1" | grep -v -e '^$' -e '^-'; }

declare -A inputs=(
  [black]="$(lines "$reqs/black.in")"
  [jupyter]="$(lines "$reqs/jupyter.in")"
  [boto3]="$(lines "$reqs/boto3.in")"
  [pdm_2193]="$(lines "$reqs/pdm_2193.in")"
  [dask-complete]="dask[complete]"
  [top-100]="$(lines "$src/benches/top1000/top-100-resolvable.in")"
)
for name in "${!inputs[@]}"; do printf '%s\n' "${inputs[$name]}"; done > "$work/all.in"
"$bin/make-index" -q --dry-run --snapshot "$src/data/pypi-snapshot-2023-09.jsonl.zst" \
  --closure-of "$work/all.in" --emit-universe "$work/universe.json"
/usr/bin/python3 "$src/tests/support/pep440_universe.py" "$work/universe.json"

failed=0
for name in black jupyter boto3 pdm_2193 dask-complete top-100; do
  mapfile -t roots <<< "${inputs[$name]}"
  if ! "$bin/resolve-universe" --universal "python_full_version >= '3.9'" "$work/universe.json" "${roots[@]}" \
      > "$work/$name.universal" 2> "$work/$name.err"; then
    echo "$name: universal resolution failed: $(tail -3 "$work/$name.err")"
    failed=1
    continue
  fi
  "$bin/resolve-universe" --python-version 3.9 --python-platform linux "$work/universe.json" "${roots[@]}" \
    > "$work/$name.single"
  if ! /usr/bin/python3 "$src/tests/resolver/universal_check.py" "$work/universe.json" "$work/$name.universal" \
      --python-from 3.9 "${roots[@]}" > "$work/$name.check"; then
    echo "$name: $(grep INVALID "$work/$name.check")"
    failed=1
    continue
  fi
  forks=$(sed -n 's/^forks: //p' "$work/$name.err")
  pins=$(wc -l < "$work/$name.universal")
  marked=$(grep -c ' ; ' "$work/$name.universal" || true)
  other=$(sed 's/ ; .*//' "$work/$name.universal" | sort | comm -23 - <(sort "$work/$name.single") | wc -l)
  echo "$name: valid in $(wc -l < "$work/$name.check") environments; $forks fork(s); $pins pins," \
    "$marked with a marker; $other not in the single-environment answer ($(wc -l < "$work/$name.single") pins)"
done
exit $failed
