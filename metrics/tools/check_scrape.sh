#!/usr/bin/env bash
# check_scrape.sh PROGRAM ALLOW_LIST FILES...: runs PROGRAM, which prints a scrape, and checks
# with check_metric_names.py that every metric FILES (dashboards, rules) name is in it.
set -euo pipefail
program=$1 allow=$2
shift 2
scrape=$(mktemp /tmp/docket-scrape-XXXXXX)
trap 'rm -f "$scrape"' EXIT
"$program" > "$scrape"
exec python3 "$(dirname "$0")/check_metric_names.py" --scrape "$scrape" --allow "$allow" "$@"
