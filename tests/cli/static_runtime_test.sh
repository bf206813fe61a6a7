#!/usr/bin/env bash
# static_runtime_test.sh PROGRAM...
# With PYRESOLVE_STATIC_RUNTIME, each `resolve` program needs no shared C++ runtime and no
# shared oneTBB: nothing of libstdc++, libgcc_s or libtbb among its DT_NEEDED entries.
set -euo pipefail
for program in "$@"; do
  needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || { echo "$program: no DT_NEEDED entry read" >&2; exit 1; }
  if grep -E '^(libstdc\+\+|libgcc_s|libtbb)' <<<"$needed"; then
    echo "$program still needs the libraries above" >&2
    exit 1
  fi
  echo "$program needs only: $(tr '\n' ' ' <<<"$needed")"
done
