#!/usr/bin/env bash
# Every alert in metrics/rules/*.rules.yaml must have a promtool unit test in
# metrics/rules/tests/*.yaml that sees it firing (exp_alerts with labels) and one that sees it
# quiet (exp_alerts: []). Prints the alerts that lack either and exits 1 if any does.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
alerts=$(sed -n 's/^[[:space:]]*- alert:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "$dir"/*.rules.yaml | sort -u)
[ -n "$alerts" ] || { echo "no alerts found in $dir/*.rules.yaml"; exit 1; }
# For each test case: the alert name, then whether its exp_alerts is empty or lists alerts.
cases=$(awk '
  /^[[:space:]]*alertname:/ { name = $2; next }
  /^[[:space:]]*exp_alerts:[[:space:]]*\[\][[:space:]]*$/ { if (name != "") print name, "quiet"; name = ""; next }
  /^[[:space:]]*exp_alerts:[[:space:]]*$/ { pending = name; name = ""; next }
  /^[[:space:]]*- exp_labels:/ { if (pending != "") print pending, "fires"; pending = ""; next }
' "$dir"/tests/*.yaml)
missing=0
for a in $alerts; do
  for kind in fires quiet; do
    if ! grep -qx "$a $kind" <<<"$cases"; then
      echo "alert $a has no unit test where it $kind"
      missing=1
    fi
  done
done
[ "$missing" -eq 0 ] && echo "$(wc -w <<<"$alerts") alerts, each tested firing and quiet"
exit "$missing"
