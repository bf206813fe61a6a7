#!/usr/bin/env bash
# make-index on a 3-project universe: the tree checks out, --with-wheels writes valid wheels,
# two runs are byte-identical, and a bad input fails with exit 2 naming the file.
set -euo pipefail
MAKE_INDEX="$1"; HERE="$(cd "$(dirname "$0")" && pwd)"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
cat > "$T/u.json" <<'JSON'
{"packages": {
  "Alpha_Pkg": {"1.0": {"requires_dist": ["beta>=1"], "requires_python": ">=3.7,<4"},
                "2.0rc1": {"requires_dist": ["beta>=2", "gamma; extra == \"fast\""], "requires_python": ">=3.8"}},
  "beta": {"1.0": {}, "2.0": {"requires_dist": [], "yanked": true}},
  "gamma": {"0.1": {"requires_dist": ["beta<2; python_version < \"3.9\""]}}
}}
JSON
"$MAKE_INDEX" --universe "$T/u.json" --out "$T/a" --emit-universe "$T/a.json"
/usr/bin/python3 "$HERE/check_tree.py" "$T/a"
"$MAKE_INDEX" --universe "$T/u.json" --out "$T/w" --with-wheels
/usr/bin/python3 "$HERE/check_tree.py" "$T/w" --wheels
"$MAKE_INDEX" --universe "$T/u.json" --out "$T/b" --emit-universe "$T/b.json"
diff -r "$T/a" "$T/b"; cmp "$T/a.json" "$T/b.json"
grep -q 'data-yanked=""' "$T/a/simple/beta/index.html"
grep -q 'Provides-Extra: fast' "$T/a/files/alpha_pkg-2.0rc1-py3-none-any.whl.metadata"
grep -q 'data-requires-python="&gt;=3.7,&lt;4"' "$T/a/simple/alpha-pkg/index.html"
/usr/bin/python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["packages"]; assert sorted(u)==["alpha-pkg","beta","gamma"], u' "$T/a.json"
# closure: gamma reaches only beta
"$MAKE_INDEX" --universe "$T/u.json" --out "$T/c" --closure-of 'gamma>0'
[ "$(ls "$T/c/simple" | grep -v index | tr '\n' ' ')" = "beta gamma " ]
# errors name the file (and record) and exit 2
echo '{"packages": {"x": {"1.0": {"requires_dist": "oops"}}}}' > "$T/bad.json"
set +e; msg="$("$MAKE_INDEX" --universe "$T/bad.json" --out "$T/x" 2>&1)"; rc=$?; set -e
[ "$rc" -eq 2 ] && [[ "$msg" == *bad.json*"version 1.0"* ]] || { echo "bad error: $rc $msg"; exit 1; }
printf '{"name":"ok","versions":{}}\n{"name": "broken", \n' > "$T/bad.jsonl"
set +e; msg="$("$MAKE_INDEX" --snapshot "$T/bad.jsonl" --out "$T/x" 2>&1)"; rc=$?; set -e
[ "$rc" -eq 2 ] && [[ "$msg" == *bad.jsonl:2:* ]] || { echo "bad error: $rc $msg"; exit 1; }
# zstd snapshot input
printf '{"name":"zz","versions":{"1.0":{"wheels":["zz-1.0-py3-none-any.whl"],"sdist":true,"requires_dist":[],"src":"wheel"},"0.9":{"src":"unknown"}}}\n' | zstd -q > "$T/s.jsonl.zst"
"$MAKE_INDEX" --snapshot "$T/s.jsonl.zst" --out "$T/z"
/usr/bin/python3 "$HERE/check_tree.py" "$T/z"
[ -f "$T/z/files/zz-1.0.tar.gz.metadata" ] && [ ! -e "$T/z/files/zz-0.9.tar.gz.metadata" ]
echo "fixture ok"
