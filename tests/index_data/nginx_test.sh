#!/usr/bin/env bash
# nginx.sh serves a make-index tree like PyPI: Accept negotiation, ETag/304, gzip, Range/206.
set -euo pipefail
MAKE_INDEX="$1"; SRC="$2"
[ -x /usr/sbin/nginx ] || { echo "no nginx: skipped"; exit 77; }
T="$(mktemp -d)"; STATE=""
cleanup() { [ -n "$STATE" ] && "$SRC/tests/servers/nginx.sh" stop "$STATE"; rm -rf "$T"; }
trap cleanup EXIT
echo '{"packages": {"a": {"1.0": {"requires_dist": ["b"]}}, "b": {"1.0": {}}}}' > "$T/u.json"
"$MAKE_INDEX" -q --universe "$T/u.json" --out "$T/idx" --with-wheels
read -r PORT PID STATE < <("$SRC/tests/servers/nginx.sh" start "$T/idx" "$T/state")
URL="http://127.0.0.1:$PORT"
JSON=application/vnd.pypi.simple.v1+json
fail() { echo "FAIL: $*"; exit 1; }
h() { curl -sS -o /dev/null -D - "$@" | tr -d '\r'; }
# negotiation
h -H "Accept: $JSON" "$URL/simple/a/" | grep -qi "^content-type: $JSON" || fail "JSON content type"
curl -sS -H "Accept: $JSON, text/html;q=0.1" "$URL/simple/a/" | /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)["name"]=="a"' || fail "JSON body"
h -H "Accept: text/html" "$URL/simple/a/" | grep -qi '^content-type: text/html' || fail "HTML content type"
curl -sS "$URL/simple/a/" | grep -q '<a href="../../files/a-1.0-py3-none-any.whl#sha256=' || fail "HTML body"
curl -sS -H "Accept: $JSON" "$URL/simple/" | grep -q '"projects"' || fail "JSON project list"
h "$URL/simple/a/" | grep -qi '^cache-control: max-age=600' || fail "Cache-Control"
# ETag + If-None-Match -> 304
ETAG="$(h -H "Accept: $JSON" "$URL/simple/a/" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')"
[ -n "$ETAG" ] || fail "no ETag"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Accept: $JSON" -H "If-None-Match: $ETAG" "$URL/simple/a/")"
[ "$code" = 304 ] || fail "If-None-Match gave $code"
# gzip (the JSON type is in gzip_types)
h -H "Accept: $JSON" -H 'Accept-Encoding: gzip' "$URL/simple/a/" | grep -qi '^content-encoding: gzip' || fail "gzip"
curl -sS --compressed -H "Accept: $JSON" "$URL/simple/a/" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || fail "gzip body"
# Range -> 206 with exactly the bytes asked for
code="$(curl -sS -o "$T/part" -w '%{http_code}' -r 0-9 "$URL/files/a-1.0-py3-none-any.whl")"
[ "$code" = 206 ] && [ "$(stat -c %s "$T/part")" = 10 ] || fail "Range gave $code"
h "$URL/files/a-1.0-py3-none-any.whl.metadata" | grep -qi '^content-type: text/plain' || fail "metadata type"
h "$URL/simple/nope/" | grep -q '^HTTP/1.1 404' || fail "404"
"$SRC/tests/servers/nginx.sh" stop "$STATE"; STATE=""
kill -0 "$PID" 2>/dev/null && fail "nginx still running"
echo "nginx ok"
