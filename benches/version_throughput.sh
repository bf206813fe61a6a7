#!/bin/sh
# Version parse/sort throughput: our packed and heap forms against Debian's packaging 23.0.
#
#   benches/version_throughput.sh [build-dir]     (default build/h-bench, configured Release)
#
# Extracts a deterministic corpus of 1M real version strings (the first 1M that packaging
# accepts, in file order) from pypi-deps-db into <build-dir>/versions-1m.txt, then runs one
# hyperfine comparison per operation so that ratios are measured together.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/h-bench}
data=/work/shared/data/pypi-deps-db-2023-09/ddb2-all.jsonl.zst
py=/usr/bin/python3  # Debian's packaging 23.0, not the pyenv one on PATH

if [ ! -x "$build/bin/bench_version" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYRESOLVE_DEVELOPER_MODE=ON >/dev/null
fi
cmake --build "$build" --target bench_version >/dev/null

corpus=$build/versions-1m.txt
if [ ! -s "$corpus" ]; then
  zstd -dc --long=27 "$data" | $py -c '
import itertools, json, sys
from packaging.version import Version, InvalidVersion
def valid():
    for line in sys.stdin:
        for v in json.loads(line).get("versions", {}):
            try:
                Version(v)
            except InvalidVersion:
                continue
            if "\n" not in v and all(p.isdigit() is False or int(p) < 2**64 for p in v.replace("!", ".").split(".")):
                yield v
for v in itertools.islice(valid(), 1000000):
    print(v)
' > "$corpus.tmp"
  mv "$corpus.tmp" "$corpus"
fi

bench=$build/bin/bench_version
out=$build/bench-results
mkdir -p "$out"
hyperfine -N --warmup 3 --runs 10 --export-json "$out/parse.json" \
  -n parse-packed "$bench $corpus parse-packed" \
  -n parse-heap "$bench $corpus parse-heap" \
  -n packaging-parse "$py -c 'import sys; from packaging.version import Version; [Version(l) for l in open(sys.argv[1]).read().splitlines()]' $corpus"
hyperfine -N --warmup 3 --runs 10 --export-json "$out/sort.json" \
  -n sort-packed "$bench $corpus sort" \
  -n sort-heap "$bench $corpus sort-heap" \
  -n packaging-sort "$py -c 'import sys; from packaging.version import Version; sorted(Version(l) for l in open(sys.argv[1]).read().splitlines())' $corpus"
