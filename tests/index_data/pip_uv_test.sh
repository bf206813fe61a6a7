#!/usr/bin/env bash
# (slow) pip 23 resolves uv's NAME.in (black, jupyter, boto3) against the nginx-served
# snapshot index (closure of NAME.in only, which is faster to build); the answer must satisfy
# check_solution.py on the universe make-index emitted. The pins are left in
# SRC/build/fixtures/pip-answers/NAME.txt for requirements_test.sh. Skips (77) without ../shared (the
# peers) or without a snapshot.   Usage: pip_uv_test.sh MAKE_INDEX SRC NAME
set -euo pipefail
MAKE_INDEX="$1"; SRC="$2"; NAME="${3:-black}"
SHARED="$SRC/../../shared"; [ -d "$SHARED/peers" ] || SHARED=/work/shared
[ -d "$SHARED/peers" ] || { echo "no ../shared: skipped"; exit 77; }
REQS="$SRC/data/uv-requirements/$NAME.in"; [ -f "$REQS" ] || REQS="$SHARED/data/uv-requirements/$NAME.in"
SNAP="$SRC/data/pypi-snapshot-2023-09.jsonl.zst"
[ -f "$SNAP" ] || SNAP="$SHARED/data/pypi-deps-db-2023-09/ddb2-all.jsonl.zst"
[ -f "$SNAP" ] && [ -f "$REQS" ] || { echo "no snapshot: skipped"; exit 77; }
PY="${PY:-$(command -v python3)}"
"$PY" -m pip --version > /dev/null 2>&1 || { echo "no pip: skipped"; exit 77; }
# The closure is ~500 k small files: on tmpfs they are created and removed in seconds, on this
# ext4 disk (mounted with discard) removing them alone takes minutes.
if [ -w /dev/shm ]; then T="$(mktemp -d -p /dev/shm)"; else T="$(mktemp -d)"; fi; STATE=""
cleanup() { [ -n "$STATE" ] && "$SRC/tests/servers/nginx.sh" stop "$STATE"; rm -rf "$T"; }
trap cleanup EXIT
"$MAKE_INDEX" --snapshot "$SNAP" --closure-of "$REQS" --out "$T/idx" --emit-universe "$T/universe.json"
read -r PORT PID STATE < <("$SRC/tests/servers/nginx.sh" start "$T/idx" "$T/state")
START=$(date +%s.%N)
"$PY" "$SHARED/peers/pip_resolve_only.py" install --dry-run --ignore-installed --no-cache-dir \
  --disable-pip-version-check -q --report "$T/report.json" \
  --index-url "http://127.0.0.1:$PORT/simple" -r "$REQS"
PIP_WALL=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$START" "$(date +%s.%N)")
/usr/bin/python3 - "$T/report.json" > "$T/pins.txt" <<'PYEOF'
import json, sys
for i in json.load(open(sys.argv[1]))["install"]:
    print(f'{i["metadata"]["name"].lower()}=={i["metadata"]["version"]}')
PYEOF
cat "$T/pins.txt"
# Left for requirements_test.sh, which compares our answers with pip's (same snapshot, Python
# and platform), so that pip's minutes are spent once.
mkdir -p "$SRC/build/fixtures/pip-answers" && cp "$T/pins.txt" "$SRC/build/fixtures/pip-answers/$NAME.txt"
# pip ignores versions that are not PEP 440; so must the checker (it would raise on them).
/usr/bin/python3 "$SRC/tests/support/pep440_universe.py" "$T/universe.json"
PYV="$("$PY" -c 'import platform; print(platform.python_version())')"
mapfile -t roots < <(grep -v '^\s*#' "$REQS" | grep -v '^\s*$')
/usr/bin/python3 "$SHARED/peers/check_solution.py" "$T/universe.json" --python-version "$PYV" --pins "$T/pins.txt" "${roots[@]}"
echo "$NAME: pip answer accepted ($(wc -l < "$T/pins.txt") pins); pip wall ${PIP_WALL} s; requests: $(wc -l < "$T/state/access.log")"
