#!/usr/bin/env bash
# Installs the Debian packages Docket needs to build, test and run. Idempotent: it asks apt only
# for what is missing, and runs apt-get through sudo when not root.
set -euo pipefail

PACKAGES=(
  # Toolchain.
  cmake ninja-build g++ pkg-config clang-format python3
  # Libraries (docs/dependencies.md says why each one).
  libzmq3-dev cppzmq-dev libhiredis-dev prometheus-cpp-dev libboost-graph-dev liblemon-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libhowardhinnant-date-dev tzdata
  # Tests and benchmarks.
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # Real servers and tools the tests and the main job start.
  redis-server redis-sentinel redis-tools prometheus glpk-utils
  # End-to-end tests (a protocol client in Python), the load benchmark's peer (RQ) and plots.
  python3-zmq python3-rq gnuplot-nox
  python3-yaml python3-jsonschema  # The Helm chart's test (tests/helm).
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# Packaged services (redis-server, prometheus) must not start system-wide instances: tests and the
# main job start their own, on ports of their choosing.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -w /usr/sbin ] ; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
