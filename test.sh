#!/usr/bin/env bash
# The test suite: installs what is missing, builds, and runs every test with ctest. Long soak,
# chaos and benchmark runs carry their own labels and are left out here (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
cd "${DOCKET_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900 -LE 'soak|chaos|bench' "$@"
