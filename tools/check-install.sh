#!/usr/bin/env bash
# Installs the release build into a fresh prefix, moves the prefix (to prove the package is
# relocatable), then configures, builds and runs examples/embed against it: the packaging demo,
# and a whole resolve through pyresolve::index, pyresolve::cache and pyresolve::resolver over
# a tiny file:// index with a PEP 691 JSON page and a PEP 503 HTML page. Also checks how each
# program gets the index's libraries: embed links them (NEEDED), the installed `resolve` does
# not and opens lib/libpyresolve_index_io.so of the moved prefix when it needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install build/release --prefix "$work/prefix" >/dev/null
mv "$work/prefix" "$work/moved-prefix"
prefix="$work/moved-prefix"
cmake -S examples/embed -B "$work/embed" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/embed"
"$work/embed/embed"

# The tree: app 1.0 needs lib>=2, app 2.0 needs lib<3; lib 1.0, 2.0, 3.0. app has only a JSON
# page, lib only an HTML one; metadata comes from the PEP 658 files.
tree="$work/tree"
mkdir -p "$tree/simple/app" "$tree/simple/lib" "$tree/files"
metadata() {  # name version [requires-dist]
  printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' "$1" "$2" >"$tree/files/$1-$2-py3-none-any.whl.metadata"
  if [ $# -gt 2 ]; then printf 'Requires-Dist: %s\n' "$3" >>"$tree/files/$1-$2-py3-none-any.whl.metadata"; fi
}
metadata app 1.0 'lib>=2'
metadata app 2.0 'lib<3'
for v in 1.0 2.0 3.0; do metadata lib $v; done
json_file() { printf '{"filename":"app-%s-py3-none-any.whl","url":"../../files/app-%s-py3-none-any.whl","hashes":{},"core-metadata":true}' "$1" "$1"; }
printf '{"meta":{"api-version":"1.1"},"name":"app","files":[%s,%s]}\n' "$(json_file 1.0)" "$(json_file 2.0)" \
  >"$tree/simple/app/index.json"
{
  echo '<!DOCTYPE html><html><body>'
  for v in 1.0 2.0 3.0; do
    echo "<a href=\"../../files/lib-$v-py3-none-any.whl\" data-core-metadata=\"true\">lib-$v-py3-none-any.whl</a><br/>"
  done
  echo '</body></html>'
} >"$tree/simple/lib/index.html"

expected=$'app==2.0\nlib==2.0'
pins=$("$work/embed/embed" resolve "$tree" app)
if [ "$pins" != "$expected" ]; then
  printf 'check-install: embed resolved\n%s\ninstead of\n%s\n' "$pins" "$expected" >&2
  exit 1
fi
echo "$pins"
echo app >"$work/requirements.in"
pins=$("$prefix/bin/resolve" --index-url "file://$tree/simple" --no-cache --no-header --no-progress -q \
  --python-version 3.11 --python-platform linux "$work/requirements.in" | grep -E '^[a-z]' || true)
if [ "$pins" != "$expected" ]; then
  printf 'check-install: the installed resolve answered\n%s\ninstead of\n%s\n' "$pins" "$expected" >&2
  exit 1
fi

index_libraries='lib(curl|archive|crypto|gumbo|z|simdjson)\.so'
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if ! needed "$work/embed/embed" | grep -Eq "^libcurl\.so"; then
  echo "check-install: embed does not link libcurl (NEEDED: $(needed "$work/embed/embed" | xargs))" >&2
  exit 1
fi
if needed "$prefix/bin/resolve" | grep -Eq "^$index_libraries"; then
  echo "check-install: the installed resolve links the index's libraries: $(needed "$prefix/bin/resolve" | xargs)" >&2
  exit 1
fi
echo "check-install: examples/embed built and resolved against a relocated install; resolve loads lib/libpyresolve_index_io.so from it"
