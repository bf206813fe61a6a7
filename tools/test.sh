#!/usr/bin/env bash
# Runs the whole test suite: builds each preset given (default: release, asan and tsan) with
# warnings as errors and runs every ctest test in it. The tsan preset builds and runs only
# the task-graph suites (the solver, the index provider and `resolve batch`): the rest is single-threaded or
# covered by asan, and a full ThreadSanitizer build would double the CI time.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
[ "${#presets[@]}" -eq 0 ] && presets=(release asan tsan)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== $preset: configure, build, test"
  cmake --preset "$preset" -DPYRESOLVE_WARNINGS_AS_ERRORS=ON >/dev/null
  # The `slow` tests run peers (pip) over the bundled data; under sanitizers they would only
  # re-check the data at many times the cost, so the sanitized builds leave them out.
  select=()
  case "$preset" in
    asan) select=(-LE slow) ;;
    tsan) select=(-L '^(resolver(_index)?|batch)$' -E '^resolver/(universes|scenarios)$') ;;
  esac
  if [ "$preset" = tsan ]; then
    cmake --build --preset "$preset" -j "$jobs" --target test_resolver test_resolver_index resolver_run_case resolve make-index
  else
    cmake --build --preset "$preset" -j "$jobs"
  fi
  ctest --preset "$preset" -j "$jobs" "${select[@]}"
done
