#!/bin/sh
# Regenerate the bundled PyPI snapshot into a temporary directory and compare
# it byte for byte with the committed data/pypi-snapshot-2023-09.jsonl.zst
# (and data/snapshot-gaps.txt).
#
# Usage: tests/scripts/check_snapshot_deterministic.sh [SHARED_DIR]
#   SHARED_DIR defaults to $PYRESOLVE_SHARED, then <repo>/../shared.
# Exit codes: 0 identical, 1 different or generator failed, 77 skipped
# (inputs absent; the ctest/automake "skip" code).
set -eu

repo=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
shared=${1:-${PYRESOLVE_SHARED:-$repo/../shared}}

if [ ! -f "$shared/data/pypi-deps-db-2023-09/ddb2-all.jsonl.zst" ] &&
   [ ! -f "$shared/pypi-deps-db-2023-09/ddb2-all.jsonl.zst" ]; then
    echo "SKIP: snapshot inputs not found under $shared (pass SHARED_DIR or set PYRESOLVE_SHARED)"
    exit 77
fi
for tool in zstd /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not available"
        exit 77
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

start=$(date +%s)
if ! /usr/bin/python3 "$repo/tools/snapshot/make_snapshot.py" --shared "$shared" --out "$tmp"; then
    echo "FAIL: make_snapshot.py failed"
    exit 1
fi
end=$(date +%s)

status=0
for f in pypi-snapshot-2023-09.jsonl.zst snapshot-gaps.txt; do
    if cmp -s "$repo/data/$f" "$tmp/$f"; then
        echo "OK: data/$f is byte-identical ($(wc -c < "$tmp/$f") bytes)"
    else
        echo "FAIL: data/$f differs from a fresh regeneration"
        case $f in *.zst)
            zstd -dcq "$tmp/$f" > "$tmp/$f.raw"
            if [ -f "$repo/data/$f" ] && zstd -dcq "$repo/data/$f" | cmp -s - "$tmp/$f.raw"; then
                echo "  (decompressed content is identical: only the compressed bytes differ;"
                echo "   a different zstd version? the committed file was made with zstd 1.5.4)"
            fi ;;
        esac
        status=1
    fi
done
echo "regeneration took $((end - start)) s"
exit $status
