#!/usr/bin/env bash
# The live national system on one machine: docket-scheduler (with its embedded redis-server) on
# the sample national configuration, in compressed time, and one simulated docket-worker per
# center playing that center's officers. Progress lines stream from the scheduler; Ctrl-C stops
# every process cleanly and prints the summary.
#
#   scripts/national.sh [--seconds N] [--backlog N] [--time-scale X] [--fresh] [-- scheduler args]
#
# Environment: DOCKET_BUILD_DIR (default build), DOCKET_DATA_DIR (default .docket).
set -euo pipefail
cd "$(dirname "$0")/.."

build="${DOCKET_BUILD_DIR:-build}"
data="${DOCKET_DATA_DIR:-.docket}"
config=config/national/docket.yaml
roster=config/national/officers.csv
seconds=0
backlog=200000
scale=3600
fresh=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --backlog) backlog="$2"; shift 2 ;;
    --time-scale) scale="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "national.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done

scheduler="$build/scheduler/app/docket-scheduler"
worker="$build/workers/docket-worker"
for p in "$scheduler" "$worker"; do
  [ -x "$p" ] || { echo "national.sh: $p is not built (run scripts/build.sh)" >&2; exit 1; }
done
[ "$fresh" = 1 ] && rm -rf "$data"
mkdir -p "$data/logs"

pids=()
scheduler_pid=""
stop_all() {
  trap - INT TERM
  # Workers first (they say goodbye), then the scheduler (it prints its summary).
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$scheduler_pid" ]; then
    kill -TERM "$scheduler_pid" 2>/dev/null || true
    wait "$scheduler_pid" 2>/dev/null || true
  fi
}
trap 'stop_all; exit 0' INT TERM

run_for=()
[ "$seconds" != 0 ] && run_for=(--run-for "$seconds")
log="$data/logs/scheduler.log"
: > "$log"
"$scheduler" --config "$config" --data-dir "$data/redis" --start 2025-10-01 --time-scale "$scale" \
  --backlog "$backlog" --simulate-intake --progress-every 2 --workers tcp://127.0.0.1:0 --management tcp://127.0.0.1:0 \
  "${run_for[@]}" "${extra[@]}" > >(tee -a "$log") 2>&1 &
scheduler_pid=$!

endpoint=""
for _ in $(seq 1 600); do
  endpoint=$(sed -n 's/^workers: //p' "$log" | head -1)
  [ -n "$endpoint" ] && break
  kill -0 "$scheduler_pid" 2>/dev/null || { wait "$scheduler_pid"; exit $?; }
  sleep 0.1
done
[ -n "$endpoint" ] || { echo "national.sh: the scheduler did not start; see $log" >&2; stop_all; exit 2; }

# One simulated desk agent per center, playing every officer the roster has there.
i=0
while read -r center count; do
  i=$((i + 1))
  "$worker" --scheduler "$endpoint" --config "$config" --simulate "$count" --center "$center" \
    --time-scale "$scale" --seed "$i" > "$data/logs/worker-$center.log" 2>&1 &
  pids+=($!)
done < <(awk -F, 'NR > 1 && $1 !~ /^#/ && $1 != "id" { n[$2]++ } END { for (c in n) print c, n[c] }' "$roster" | sort)
echo "national.sh: ${#pids[@]} simulated desk agents started (logs in $data/logs); Ctrl-C stops everything"

status=0
wait "$scheduler_pid" || status=$?
scheduler_pid=""
stop_all
exit "$status"
