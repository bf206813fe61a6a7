#!/usr/bin/env bash
# tools/compare-solvers.sh OLD_RESOLVE_UNIVERSE NEW_RESOLVE_UNIVERSE [FIRST_SEED [COUNT]]
#
# Two builds of resolve-universe on random universes (../shared/peers/gen_random_universe.py,
# 100-500 packages, 10 versions, 3-7 dependencies, 10 % pre-releases; five root sets each):
# both must agree on satisfiability, every answer of NEW must pass check_solution.py, and the
# answers that differ are listed with how many of their pins went up and down. For a solver
# change that should keep answers valid but may change which valid answer is found.
set -euo pipefail
old=$1 new=$2 first=${3:-100} count=${4:-40}
peers=$(cd "$(dirname "$0")/../../shared/peers" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
cases=0 bad=0 same=0 differ=0 unsat=0
for seed in $(seq "$first" $((first + count - 1))); do
  uni=$work/u$seed.json
  "$py" "$peers/gen_random_universe.py" "$uni" --packages $((100 + (seed % 5) * 100)) --versions 10 \
    --deps $((3 + seed % 5)) --seed "$seed" --pre-ratio 0.1 > /dev/null
  for roots in "p0000" "p0001 p0002" "p0003 p0004 p0005" "p0000 p0001 p0002 p0003 p0004 p0005 p0006 p0007" "p0010<3 p0011"; do
    cases=$((cases + 1))
    ro=0 rn=0
    # shellcheck disable=SC2086  # the roots are separate words
    "$old" --python-version 3.11.7 "$uni" $roots > "$work/old" 2> /dev/null || ro=$?
    # shellcheck disable=SC2086
    "$new" --python-version 3.11.7 "$uni" $roots > "$work/new" 2> /dev/null || rn=$?
    if [ "$ro" -ne "$rn" ]; then echo "DISAGREE seed $seed [$roots]: old exit $ro, new exit $rn"; bad=$((bad + 1)); continue; fi
    if [ "$rn" -eq 1 ]; then unsat=$((unsat + 1)); continue; fi
    if [ "$rn" -ne 0 ]; then echo "ERROR seed $seed [$roots]: exit $rn"; bad=$((bad + 1)); continue; fi
    # shellcheck disable=SC2086
    if ! "$py" "$peers/check_solution.py" "$uni" --python-version 3.11.7 --pins "$work/new" $roots > "$work/check"; then
      echo "INVALID seed $seed [$roots]"; cat "$work/check"; bad=$((bad + 1)); continue
    fi
    if cmp -s "$work/old" "$work/new"; then same=$((same + 1)); continue; fi
    differ=$((differ + 1))
    "$py" - "$work/old" "$work/new" "$seed" "$roots" << 'PY'
import sys
from packaging.version import Version
old, new = (dict(line.split("==") for line in open(p).read().split()) for p in sys.argv[1:3])
up = sum(1 for k in new if k in old and Version(new[k]) > Version(old[k]))
down = sum(1 for k in new if k in old and Version(new[k]) < Version(old[k]))
print(f"differs: seed {sys.argv[3]} [{sys.argv[4]}]: {len(old)} -> {len(new)} pins, {up} higher, {down} lower")
PY
  done
done
echo "cases $cases: same answer $same, different valid answer $differ, unsatisfiable for both $unsat, bad $bad"
[ "$bad" -eq 0 ]
