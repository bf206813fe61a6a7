#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of pyresolve from Debian 12's
# packages. Called by the README's first command and by .ci/run, so the two cannot drift.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates clang-format
  clang libclang-rt-14-dev            # libFuzzer targets and sanitizer runtimes
  # libraries the build needs
  libmimalloc-dev libtbb-dev libcurl4-openssl-dev libsimdjson-dev
  libboost-dev libboost-container-dev doctest-dev
  libcli11-dev libfmt-dev libtomlplusplus-dev libzstd-dev zstd libjemalloc-dev
  libgumbo-dev libxxhash-dev libssl-dev zlib1g-dev libarchive-dev
  # tests, peers and benchmarks
  python3 python3-packaging nginx-light curl hyperfine python3-matplotlib
  openssl                             # tests/index/network_env_test.cpp makes a test certificate
  fcgiwrap                            # git http-backend behind nginx: tests/cli/direct_sources_e2e.py
  python3-setuptools-whl python3-wheel-whl  # wheels of the PEP 517 build environments in that test
  python3-setuptools python3-wheel    # its --no-build-isolation case
  libsolv-tools                       # testsolv: the libsolv peer of tests/resolver/check_universes.sh
  parallel                            # GNU parallel: runs resolve batch shards in tests/cli/batch_e2e.py and benches/batch.sh
  python3-poetry                      # Poetry's solver: a peer of benches/run.sh --peers
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
export DEBIAN_FRONTEND=noninteractive
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The release preset links oneTBB statically (PYRESOLVE_STATIC_RUNTIME), which Debian ships only
# as a shared library: tools/onetbb-static.sh builds it from Debian's source package, for which
# apt needs deb-src entries; when none is configured, Debian's archive is added as one.
if ! grep -Eqs '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*; then
  echo "install-deps: adding deb-src entries for Debian's archive (/etc/apt/sources.list.d/pyresolve-src.sources)"
  "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/pyresolve-src.sources > /dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  "${sudo_cmd[@]}" apt-get update -qq
fi
"$(dirname "$0")/onetbb-static.sh"
