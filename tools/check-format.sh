#!/usr/bin/env bash
# Fails, listing the files, when a tracked C++ source differs from what clang-format
# (.clang-format, Debian 12's clang-format 14) makes of it. `tools/check-format.sh --fix`
# formats them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' '*.cc' | while read -r f; do [ -f "$f" ] && echo "$f"; done | sort -u)
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
unformatted=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then unformatted+=("$f"); fi
done
if [ "${#unformatted[@]}" -ne 0 ]; then
  echo "not clang-formatted (run tools/check-format.sh --fix):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
