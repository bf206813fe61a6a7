#!/usr/bin/env bash
# uv's real requirement files, and single popular roots, resolved by `resolve` against the
# bundled 2023-09 snapshot (Python 3.11.7, this host's platform, as pip sees it) through one make-index tree: the
# closure of every case, built once under FIXTURES (a lock, then a `complete` marker, like the
# C++ suites' shared fixture). Each answer is validated by check_solution.py on the universe
# make-index emitted (non-PEP 440 versions dropped, as pip and our client do) and compared
# with pip's answer when the pip peer tests (pip_uv_test.sh) left one in FIXTURES/pip-answers;
# where the two differ, both are valid (pip's was checked by its own test). The files the
# snapshot cannot satisfy must exit 1 with an explanation naming a project (or the `==` release
# of one) that is absent from the universe. Prints a markdown table of the results.
# Usage: requirements_test.sh MAKE_INDEX SRC RESOLVE FIXTURES   (77 = skipped)
set -euo pipefail
MAKE_INDEX="$1"; SRC="$2"; RESOLVE="$3"; FIXTURES="$4"
SHARED="$SRC/../../shared"; [ -d "$SHARED/peers" ] || SHARED=/work/shared
[ -d "$SHARED/peers" ] || { echo "no ../shared: skipped"; exit 77; }
SNAP="$SRC/data/pypi-snapshot-2023-09.jsonl.zst"
[ -f "$SNAP" ] || { echo "no snapshot: skipped"; exit 77; }
REQS="$SRC/data/uv-requirements"
PY=/usr/bin/python3
PYV=3.11.7  # pip's interpreter in the pip peer tests, and check_solution.py's default

# name  expected(ok|absent)  file or requirement
CASES=(
  "jupyter ok $REQS/jupyter.in" "boto3 ok $REQS/boto3.in" "black ok $REQS/black.in"
  "pdm_2193 ok $REQS/pdm_2193.in" "dtlssocket ok $REQS/dtlssocket.in"
  "numpy-sparse ok $REQS/backtracking/numpy-sparse.in"
  "starlette-fastapi ok $REQS/backtracking/starlette-fastapi.in"
  "apache-beam-dill ok $REQS/backtracking/apache-beam-dill.in"
  "jupyterlab ok jupyterlab" "django ok django" "flask ok flask" "pandas ok pandas"
  "pytest ok pytest" "sphinx ok sphinx" "dask[complete] ok dask[complete]"
  "transformers ok transformers" "prefect ok prefect" "great-expectations ok great-expectations"
  "trio absent $REQS/trio.in" "airflow absent $REQS/airflow.in" "home-assistant absent $REQS/home-assistant.in"
)

if [ -w /dev/shm ]; then T="$(mktemp -d -p /dev/shm)"; else T="$(mktemp -d)"; fi
trap 'rm -rf "$T"' EXIT
for c in "${CASES[@]}"; do
  read -r name _ what <<< "$c"
  if [ -f "$what" ]; then cp "$what" "$T/$name.in"; else echo "$what" > "$T/$name.in"; fi
done

# The closure tree of all cases (~540 k files), built once for every preset and run, and
# again when the cases change (the marker holds the requirements it was built from).
DIR="$FIXTURES/requirements-closure"
mkdir -p "$DIR"
exec 9> "$DIR/.lock"
flock 9
cat "$T"/*.in | grep -v '^\s*-' > "$T/all.in"
if ! cmp -s "$T/all.in" "$DIR/complete"; then
  rm -rf "$DIR/index" "$DIR/complete"
  "$MAKE_INDEX" -q --snapshot "$SNAP" --closure-of "$T/all.in" --out "$DIR/index" --emit-universe "$DIR/universe.json"
  "$PY" "$SRC/tests/support/pep440_universe.py" "$DIR/universe.json"
  cp "$T/all.in" "$DIR/complete"
fi
flock -u 9

failures=0
echo "| file | result | pins | valid (check_solution.py) | same as pip | wall |"
echo "|---|---|---|---|---|---|"
for c in "${CASES[@]}"; do
  read -r name expect _ <<< "$c"
  rc=0
  start=$(date +%s%N)
  "$RESOLVE" "$T/$name.in" --index-url "file://$DIR/index/simple" --no-cache --python-version "$PYV" \
    --no-header --no-annotate --no-progress --color never -q --requires-python-upper-bounds \
    > "$T/$name.txt" 2> "$T/$name.err" || rc=$?
  wall=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$expect" = absent ]; then
    if [ "$rc" -eq 1 ] && missing=$("$PY" "$SRC/tests/support/absent_in_explanation.py" "$DIR/universe.json" "$T/$name.err"); then
      echo "| $name | exit 1: $missing | - | - | - | ${wall} ms |"
    else
      echo "| $name | FAILED: expected exit 1 naming an absent project or release, got exit $rc | | | | |"
      head -c 600 "$T/$name.err"; failures=$((failures + 1))
    fi
    continue
  fi
  if [ "$rc" -ne 0 ]; then
    echo "| $name | FAILED: exit $rc | | | | |"; head -c 600 "$T/$name.err"; failures=$((failures + 1)); continue
  fi
  # `name[extra]==v` lines pin the base project; check_solution.py and pip list bare names.
  grep -E '^[A-Za-z0-9]' "$T/$name.txt" | sed -e 's/ .*//' -e 's/\[[^]]*\]//' > "$T/$name.pins"
  mapfile -t roots < <(grep -v '^\s*#' "$T/$name.in" | grep -v '^\s*$' | grep -v '^\s*-')
  if "$PY" "$SHARED/peers/check_solution.py" "$DIR/universe.json" --python-version "$PYV" --pins "$T/$name.pins" \
       "${roots[@]}" > "$T/$name.check" 2>&1; then
    valid=yes
  else
    valid=NO; cat "$T/$name.check"; failures=$((failures + 1))
  fi
  pip="$FIXTURES/pip-answers/$name.txt"
  same="(no pip answer)"
  if [ -f "$pip" ]; then
    differ=$("$PY" -c 'import re, sys
def pins(path):
    return {re.sub(r"[-_.]+", "-", n).lower(): v for n, v in (l.strip().split("==", 1) for l in open(path) if "==" in l)}
a, b = pins(sys.argv[1]), pins(sys.argv[2])
print(sum(1 for n in a.keys() | b.keys() if a.get(n) != b.get(n)))' "$pip" "$T/$name.pins")
    if [ "$differ" -eq 0 ]; then same=yes; else same="no, $differ projects differ (both valid)"; fi
  fi
  echo "| $name | ok | $(wc -l < "$T/$name.pins") | $valid | $same | ${wall} ms |"
done
echo "failures: $failures"
[ "$failures" -eq 0 ]
