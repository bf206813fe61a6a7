#!/usr/bin/env bash
# Runs the whole test suite: builds each preset given (default: release and asan) with
# warnings as errors and runs every ctest test in it.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
[ "${#presets[@]}" -eq 0 ] && presets=(release asan)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== $preset: configure, build, test"
  cmake --preset "$preset" -DPYRESOLVE_WARNINGS_AS_ERRORS=ON >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
done
