#!/usr/bin/env bash
# Installs the release build into a fresh prefix, moves the prefix (to prove the package is
# relocatable), then configures, builds and runs examples/embed against it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install build/release --prefix "$work/prefix" >/dev/null
mv "$work/prefix" "$work/moved-prefix"
cmake -S examples/embed -B "$work/embed" -G Ninja -DCMAKE_PREFIX_PATH="$work/moved-prefix" >/dev/null
cmake --build "$work/embed"
"$work/embed/embed"
echo "check-install: examples/embed built and ran against a relocated install"
