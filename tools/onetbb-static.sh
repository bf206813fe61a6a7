#!/usr/bin/env bash
# Builds oneTBB as a static library from Debian 12's own source package (the version and
# patches of libtbb-dev) into build/deps/onetbb, for the release preset's static runtime
# (PYRESOLVE_STATIC_RUNTIME, cli/README.md "Start-up"): Debian ships oneTBB only as a shared
# library, which brings libstdc++.so and its relocations into every start of `resolve`.
# Needs deb-src entries for Debian's archive (tools/install-deps.sh adds them). Does nothing
# when the same source version is already built. About a minute on 2 cores.
#
#   tools/onetbb-static.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(realpath -m "${1:-build/deps/onetbb}")
version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
if [ "$(cat "$prefix/.version" 2>/dev/null)" = "$version" ] && [ -f "$prefix/lib/libtbb.a" ]; then
  echo "onetbb-static: $version already in $prefix"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq "onetbb=$version" > apt-source.log 2>&1) || {
  cat "$work/apt-source.log" >&2
  echo "onetbb-static: apt-get source onetbb=$version failed (are deb-src entries configured?)" >&2
  exit 1
}
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'onetbb-*' | head -n1)
echo "onetbb-static: building $version from $src"
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$prefix" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; exit 1; }
rm -rf "$prefix"
cmake --build "$work/build" -j "$(nproc)" --target install > "$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log" >&2; exit 1; }
echo "$version" > "$prefix/.version"
echo "onetbb-static: $prefix/lib/libtbb.a"
