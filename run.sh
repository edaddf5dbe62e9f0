#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the live national system on the sample
# configuration (config/national/): docket-scheduler with its own redis-server, and simulated
# officer desk agents for every center, in compressed time. Arguments go to scripts/national.sh
# (--seconds N, --backlog N, --time-scale X, --fresh; see scripts/national.sh --help).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
exec scripts/national.sh "$@"
