#!/usr/bin/env bash
# Installs pyresolve into a fresh prefix, moves the prefix (to prove the package is
# relocatable), then configures, builds and runs examples/embed against it: the packaging demo,
# and a whole resolve through pyresolve::index, pyresolve::cache and pyresolve::resolver over
# a tiny file:// index with a PEP 691 JSON page and a PEP 503 HTML page. Also checks how each
# program gets the index's libraries: embed links them (NEEDED), the installed `resolve` does
# not and opens lib/libpyresolve_index_io.so of the moved prefix when it needs them.
#
# Two lanes, each an install of its own build:
#   static  the release build (build/release, static libraries), as tools/test.sh leaves it;
#   shared  a release build with BUILD_SHARED_LIBS=ON (build/check-install-shared, configured
#           and built here: only what the install needs), whose libraries export the API
#           (support/export.hpp). Besides embed linking and running against it, every
#           pyresolve function embed calls must be in the installed libraries' dynamic symbols.
# usage: tools/check-install.sh [static|shared]...   (both when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."
lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(static shared)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
echo app >"$work/requirements.in"
expected=$'app==2.0\nlib==2.0'
index_libraries='lib(curl|archive|crypto|gumbo|z|simdjson)\.so'
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

check_lane() {  # lane build-dir
  local lane=$1 build=$2
  local prefix="$work/$lane/moved-prefix" embed="$work/$lane/embed"
  cmake --install "$build" --prefix "$work/$lane/prefix" >/dev/null
  mv "$work/$lane/prefix" "$prefix"
  cmake -S examples/embed -B "$embed" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$embed"
  "$embed/embed"

  local pins
  pins=$("$embed/embed" resolve "$tree" app)
  if [ "$pins" != "$expected" ]; then
    printf 'check-install (%s): embed resolved\n%s\ninstead of\n%s\n' "$lane" "$pins" "$expected" >&2
    exit 1
  fi
  echo "$pins"
  # Universal resolution through the installed API: one fork per platform side.
  pins=$("$embed/embed" universal "$tree" "lib>=2 ; sys_platform == 'linux'" "lib<2 ; sys_platform != 'linux'")
  if [ "$pins" != $'lib==1.0 ; sys_platform != \'linux\'\nlib==3.0 ; sys_platform == \'linux\'' ]; then
    printf 'check-install (%s): embed universal resolved\n%s\n' "$lane" "$pins" >&2
    exit 1
  fi
  echo "$pins"
  pins=$("$prefix/bin/resolve" --index-url "file://$tree/simple" --no-cache --no-header --no-progress -q \
    --python-version 3.11 --python-platform linux "$work/requirements.in" | grep -E '^[a-z]' || true)
  if [ "$pins" != "$expected" ]; then
    printf 'check-install (%s): the installed resolve answered\n%s\ninstead of\n%s\n' "$lane" "$pins" "$expected" >&2
    exit 1
  fi

  if ! needed "$embed/embed" | grep -Eq "^libcurl\.so"; then
    echo "check-install ($lane): embed does not link libcurl (NEEDED: $(needed "$embed/embed" | xargs))" >&2
    exit 1
  fi
  local object
  for object in "$prefix/bin/resolve" "$prefix"/lib/libpyresolve_*.so; do
    case $object in */libpyresolve_index_io.so | */libpyresolve_jemalloc.so) continue ;; esac
    if needed "$object" | grep -Eq "^$index_libraries"; then
      echo "check-install ($lane): the installed $(basename "$object") links the index's libraries: $(needed "$object" | xargs)" >&2
      exit 1
    fi
  done
  echo "check-install ($lane): examples/embed built and resolved against a relocated install; resolve loads lib/libpyresolve_index_io.so from it"
}

# The shared libraries export what embed calls: the functions named here (the ones embed's
# source calls), and every pyresolve symbol its executable leaves to a shared library.
check_exports() {  # prefix embed
  local prefix=$1 embed=$2 exported missing=""
  exported=$(for library in "$prefix"/lib/libpyresolve_*.so; do nm -DC --defined-only "$library"; done |
    sed -n 's/^[0-9a-f]* [TWVBDRu] //p' | sort -u)
  local wanted
  wanted=$(nm -DC --undefined-only "$embed" | sed -n 's/^ *U //p' | grep 'pyresolve::' | sort -u)
  [ -n "$wanted" ] || { echo "check-install (shared): embed takes no pyresolve symbol from a shared library" >&2; exit 1; }
  while IFS= read -r symbol; do
    grep -Fxq -- "$symbol" <<<"$exported" || missing+="  $symbol"$'\n'
  done <<<"$wanted"
  local entry
  for entry in 'pyresolve::packaging::requirement::parse(' 'pyresolve::packaging::version::parse(' \
    'pyresolve::packaging::specifier_set::contains(' 'pyresolve::packaging::version_ranges::to_string' \
    'pyresolve::resolver::open_index_stack(' 'pyresolve::resolver::resolve('; do
    grep -Fq -- "$entry" <<<"$exported" || missing+="  $entry"$'\n'
  done
  if [ -n "$missing" ]; then
    printf 'check-install (shared): the installed libraries do not export\n%s' "$missing" >&2
    exit 1
  fi
  echo "check-install (shared): the libraries export the $(wc -l <<<"$wanted") pyresolve symbols embed takes from them"
}

for lane in "${lanes[@]}"; do
  case $lane in
    static)
      check_lane static build/release
      ;;
    shared)
      build=build/check-install-shared
      cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DPYRESOLVE_DEVELOPER_MODE=OFF -DPYRESOLVE_WARNINGS_AS_ERRORS=ON >/dev/null
      # What the install holds: resolve (which builds the modules, the lazy I/O library and the
      # jemalloc copy) and the two static libraries nothing else there links.
      cmake --build "$build" -j2 --target resolve pyresolve_universe pyresolve_index_io_linked
      check_lane shared "$build"
      check_exports "$work/shared/moved-prefix" "$work/shared/embed/embed"
      ;;
    *)
      echo "check-install: no lane $lane (static, shared)" >&2
      exit 2
      ;;
  esac
done
