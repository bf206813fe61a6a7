#!/usr/bin/env bash
# Which of uv's requirement files the bundled snapshot resolves (data/README.md's table):
# pip 23 (resolve-only peer) on every data/uv-requirements/**/*.in against the whole bundled
# tree served by nginx, one file at a time, TIMEOUT s each (default 300).
#   uv_requirements_sweep.sh MAKE_INDEX OUT_DIR
# Writes OUT_DIR/summary.txt ("name rc=N wall=S") and one pip log per file. Needs ../shared.
set -u
MAKE_INDEX="$1"; OUT="$2"; TIMEOUT="${TIMEOUT:-300}"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="$SRC/../../shared"; [ -d "$SHARED/peers" ] || SHARED=/work/shared
PY="${PY:-$(command -v python3)}"
mkdir -p "$OUT"; : > "$OUT/summary.txt"
"$MAKE_INDEX" -q --snapshot "$SRC/data/pypi-snapshot-2023-09.jsonl.zst" --out "$OUT/idx" || exit 2
read -r PORT PID STATE < <("$SRC/tests/servers/nginx.sh" start "$OUT/idx" "$OUT/state")
trap '"$SRC/tests/servers/nginx.sh" stop "$OUT/state"' EXIT
for f in "$SRC"/data/uv-requirements/*.in "$SRC"/data/uv-requirements/backtracking/*.in; do
  n="$(basename "$(dirname "$f")")_$(basename "$f" .in)"
  s=$(date +%s.%N)
  timeout "$TIMEOUT" "$PY" "$SHARED/peers/pip_resolve_only.py" install --dry-run --ignore-installed \
    --no-cache-dir --disable-pip-version-check -q --report "$OUT/$n.json" \
    --index-url "http://127.0.0.1:$PORT/simple" -r "$f" > "$OUT/$n.log" 2>&1
  rc=$?
  echo "$n rc=$rc wall=$(python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.1f}')" "$s" "$(date +%s.%N)")" >> "$OUT/summary.txt"
done
