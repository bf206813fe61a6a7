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
  # The `slow` tests run peers (pip) over the bundled data; under sanitizers they would only
  # re-check the data at many times the cost, so the sanitized builds leave them out.
  exclude=()
  case "$preset" in asan|tsan) exclude=(-LE slow) ;; esac
  ctest --preset "$preset" -j "$jobs" "${exclude[@]}"
done
