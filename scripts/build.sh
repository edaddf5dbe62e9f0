#!/usr/bin/env bash
# Configures and builds Docket with CMake and Ninja into build/ (or $DOCKET_BUILD_DIR).
# CI=true turns warnings into errors.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${DOCKET_BUILD_DIR:-build}"
WERROR=OFF
[ "${CI:-}" = "true" ] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCKET_WERROR="$WERROR" \
  ${DOCKET_CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD_DIR" -j "$(nproc)"
