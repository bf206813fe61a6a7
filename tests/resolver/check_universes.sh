#!/usr/bin/env bash
# check_universes.sh RESOLVE_UNIVERSE DATA_DIR: resolves the bundled universes and a few
# generated ones with several roots each, and validates every answer with check_solution.py.
# Satisfiability is differential: an unsatisfiable answer counts only when libsolv (testsolv,
# through the peers' gen_testsolv.py) agrees, and libsolv is asked on satisfiable cases too, so
# a "satisfiable" from us (a valid answer) and from libsolv must coincide on the cases marked
# --solv (each costs libsolv's peer ~1 s of rank encoding, so not every case is asked). Root sets built to
# conflict (conflicting_roots.py) must be unsatisfiable for both. Skips (77) without the peers.
set -uo pipefail
tool=$1
data=$2
peers=""
for d in "$data/../../../../shared/peers" "/work/shared/peers"; do
  if [ -f "$d/check_solution.py" ]; then peers=$(cd "$d" && pwd); break; fi
done
if [ -z "$peers" ]; then echo "skipped: ../shared/peers is absent"; exit 77; fi
command -v testsolv > /dev/null || { echo "skipped: testsolv (libsolv-tools) is absent"; exit 77; }
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
pyver=3.11.7
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checked=0
unsat=0

libsolv() {  # libsolv UNIVERSE REQ...: 0 satisfiable, 1 not, else an error
  "$py" "$peers/libsolv/gen_testsolv.py" "$1" --python-version "$pyver" -o "$work/case.t" --run "${@:2}" \
    > "$work/solv" 2> "$work/solv.err"
}

check() {  # check [--solv] [--unsat] UNIVERSE REQ...
  local solv=0 want_unsat=0
  while [ "${1:0:2}" = "--" ]; do
    case $1 in --solv) solv=1 ;; --unsat) want_unsat=1; solv=1 ;; esac
    shift
  done
  local uni=$1; shift
  local rc=0 src=0
  "$tool" --python-version "$pyver" "$uni" "$@" > "$work/pins" 2> "$work/err" || rc=$?
  if [ "$rc" -gt 1 ]; then echo "ERROR($rc) $(basename "$uni") $*"; failures=$((failures + 1)); return; fi
  if [ "$rc" -eq 1 ] || [ "$solv" -eq 1 ]; then
    libsolv "$uni" "$@" || src=$?
    if [ "$src" -gt 1 ]; then echo "LIBSOLV ERROR $(basename "$uni") $*"; cat "$work/solv.err"; failures=$((failures + 1)); return; fi
    if [ "$rc" -ne "$src" ]; then
      echo "DISAGREE $(basename "$uni") $*: ours exit $rc, libsolv exit $src"; head -c 300 "$work/err"
      failures=$((failures + 1)); return
    fi
  fi
  if [ "$want_unsat" -eq 1 ] && [ "$rc" -ne 1 ]; then
    echo "SATISFIED a conflicting set $(basename "$uni") $*"; failures=$((failures + 1)); return
  fi
  if [ "$rc" -eq 1 ]; then
    # The explanation must name the roots' packages it is about.
    if ! grep -q "you require" "$work/err"; then echo "NO EXPLANATION $(basename "$uni") $*"; failures=$((failures + 1)); return; fi
    unsat=$((unsat + 1))
    return
  fi
  if ! "$py" "$peers/check_solution.py" "$uni" --python-version "$pyver" --pins "$work/pins" "$@" > "$work/check"; then
    echo "INVALID $(basename "$uni") $*"; cat "$work/check"; failures=$((failures + 1)); return
  fi
  checked=$((checked + 1))
}

# Known answer first.
"$tool" --python-version "$pyver" "$data/universe_small.json" pkga > "$work/small"
if [ "$(tr '\n' ' ' < "$work/small")" != "pkga==2.0 pkgb==2.0 pkgc==2.0 pkgd==1.5 pkge==1.0.post1 " ]; then
  echo "universe_small: wrong answer"; cat "$work/small"; failures=$((failures + 1))
fi
check --solv "$data/universe_small.json" pkga
check --solv "$data/universe_small.json" 'pkga[extra1]'
check --unsat "$data/universe_small.json" 'pkga==1.1' 'pkgb>=2'
check --unsat "$data/universe_small.json" 'pkga>=2' 'pkgd>=2'
for r in p0000 p0001 p0010 p0050 p0100 'p0003>=1.0' 'p0005<2'; do check "$data/universe_rand200.json" "$r"; done
check --solv "$data/universe_rand200.json" p0000 p0001 p0002 p0003
for r in p0000 p0001 p0007 p0100 p0500 'p0002<3'; do check "$data/universe_rand1000.json" "$r"; done
check "$data/universe_rand1000.json" p0000 p0001 p0002 p0003 p0004
# Generated universes, and root sets built from their edges to conflict.
for seed in 11 12 13; do
  "$py" "$peers/gen_random_universe.py" "$work/gen$seed.json" --packages 300 --versions 12 --deps 5 --seed "$seed" \
    --pre-ratio 0.1 > /dev/null
  check --solv "$work/gen$seed.json" p0000
  for r in p0001 p0002; do check "$work/gen$seed.json" "$r"; done
  check --solv "$work/gen$seed.json" p0000 p0001 p0002 p0003 p0004
  while IFS=$'\t' read -r -a roots; do
    check --unsat "$work/gen$seed.json" "${roots[@]}"
  done < <("$py" "$here/conflicting_roots.py" "$work/gen$seed.json" --max 2)
done
echo "checked: $checked valid, $unsat unsatisfiable (libsolv agrees), $failures failures"
[ "$failures" -eq 0 ]
