#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs Docket on the sample national
# configuration (config/national/). Extra arguments go to docket-scheduler (see --help).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
exec "${DOCKET_BUILD_DIR:-build}/scheduler/app/docket-scheduler" --config config/national/docket.yaml "$@"
