#!/usr/bin/env bash
# fault_server.py: negotiation plus each fault kind, seen with curl; "times" limits a fault.
set -euo pipefail
MAKE_INDEX="$1"; SRC="$2"
T="$(mktemp -d)"; SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
echo '{"packages": {"a": {"1.0": {"requires_dist": ["b"]}}, "b": {"1.0": {}}}}' > "$T/u.json"
"$MAKE_INDEX" -q --universe "$T/u.json" --out "$T/idx" --with-wheels
cat > "$T/rules.json" <<'JSON'
[{"path": "/simple/e503/", "fault": "status", "status": 503, "times": 2},
 {"path": "/simple/e404/", "fault": "status", "status": 404},
 {"path": "/simple/e429/", "fault": "429", "retry_after": 7},
 {"path": "/simple/stall/", "fault": "stall", "delay": 5},
 {"path": "/simple/slow/", "fault": "slow", "chunk": 100, "delay": 0.1},
 {"path": "/simple/trunc/", "fault": "truncate"},
 {"path": "/simple/invalid/", "fault": "invalid"},
 {"path": "/simple/wrong/", "fault": "wrong-type", "content_type": "text/plain"},
 {"path": "/simple/redir/", "fault": "redirect", "location": "/simple/a/"},
 {"path": "/simple/reset/", "fault": "reset"}]
JSON
# the faulted paths exist so that each fault wraps a real page
for p in e503 e404 e429 stall slow trunc invalid wrong redir reset; do cp -r "$T/idx/simple/a" "$T/idx/simple/$p"; done
/usr/bin/python3 "$SRC/tests/servers/fault_server.py" "$T/idx" --rules "$T/rules.json" --log "$T/log" > "$T/port" &
SRV=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(head -1 "$T/port")"
JSON=application/vnd.pypi.simple.v1+json
fail() { echo "FAIL: $*"; exit 1; }
code() { curl -sS -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }
curl -sS -H "Accept: $JSON" "$URL/simple/a/" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || fail "json"
curl -sS "$URL/simple/a/" | grep -q '<a href=' || fail "html"
# 503 for the first two requests only, then the page
[ "$(code "$URL/simple/e503/")" = 503 ] && [ "$(code "$URL/simple/e503/")" = 503 ] || fail "503"
[ "$(code "$URL/simple/e503/")" = 200 ] || fail "503 times"
[ "$(code "$URL/simple/e404/")" = 404 ] || fail "404"
curl -sS -o /dev/null -D - "$URL/simple/e429/" | tr -d '\r' | grep -q '^Retry-After: 7' || fail "429"
[ "$(code "$URL/simple/e429/")" = 429 ] || fail "429 code"
# stall: a 1 s client timeout fires (curl exit 28)
set +e; curl -sS -m 1 -o /dev/null "$URL/simple/stall/" 2>/dev/null; rc=$?; set -e
[ "$rc" = 28 ] || fail "stall gave curl exit $rc"
# slow: the body arrives complete, but takes time
t0=$(date +%s%N); curl -sS -H "Accept: $JSON" "$URL/simple/slow/" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || fail "slow body"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 300 ] || fail "slow was fast"
# truncated: curl reports a partial transfer (18)
set +e; curl -sS -o /dev/null "$URL/simple/trunc/" 2>/dev/null; rc=$?; set -e
[ "$rc" = 18 ] || fail "truncate gave curl exit $rc"
set +e; curl -sS -H "Accept: $JSON" "$URL/simple/invalid/" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; rc=$?; set -e
[ "$rc" != 0 ] || fail "invalid JSON parsed"
curl -sS -o /dev/null -D - -H "Accept: $JSON" "$URL/simple/wrong/" | tr -d '\r' | grep -qi '^content-type: text/plain' || fail "wrong type"
[ "$(code "$URL/simple/redir/")" = 302 ] || fail "redirect code"
curl -sSL -H "Accept: $JSON" "$URL/simple/redir/" | grep -q '"name":"a"' || fail "redirect target"
# reset: curl sees a connection error (56 recv failure or 52 empty reply)
set +e; curl -sS -o /dev/null "$URL/simple/reset/" 2>/dev/null; rc=$?; set -e
[ "$rc" = 56 ] || [ "$rc" = 52 ] || fail "reset gave curl exit $rc"
# control endpoint replaces the rules
curl -sS -X POST --data '[{"path": "/simple/a/", "fault": "status", "status": 500, "times": 1}]' "$URL/_control/rules"
[ "$(code "$URL/simple/a/")" = 500 ] && [ "$(code "$URL/simple/a/")" = 200 ] || fail "control"
# the log counts requests: METHOD PATH STATUS ACCEPT, tab-separated
[ "$(grep -c $'^GET\t/simple/e503/\t503\t' "$T/log")" = 2 ] || fail "log 503 count"
grep -q $'^GET\t/simple/a/\t200\t'"$JSON" "$T/log" || fail "log accept"
kill "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=""
echo "fault server ok"
