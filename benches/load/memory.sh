#!/usr/bin/env bash
# Memory under bursts: does RSS track what is live (baseline + cache budget), and come back
# down after a purge? Starts the release proxy on the embedded store's demo data with a small
# cache budget, sends BURST distinct heavy queries (every media type, maxSize 1000, a six-month
# window, a distinct customAttributes each: every answer is new and large), samples RSS, purges
# the cache, and prints RSS at each step against the budget.
#
#   benches/load/memory.sh                      # 64 MiB budget, 1500 queries, 16 at a time
#   BUDGET_MIB=128 BURST=3000 PARALLEL=32 benches/load/memory.sh
#
# The cache holds entries up to the budget plus rendered answers up to a quarter of it (see the
# README, Tuning the cache); the rest of the RSS is the process itself and what is in flight.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUDGET_MIB=${BUDGET_MIB:-64}
BURST=${BURST:-1500}
PARALLEL=${PARALLEL:-16}
PROXY_PORT=${PROXY_PORT:-18580}
ADMIN_PORT=${ADMIN_PORT:-18581}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite

. benches/load/proxy.sh
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
mkdir -p "$work/data"
start_proxy "$PWD/config/default.toml" UCS_PROXY_CACHE__MAX_BYTES="${BUDGET_MIB}MiB" \
  UCS_PROXY_ADMISSION__PER_TENANT="$PARALLEL" UCS_PROXY_ADMISSION__PER_USER="$PARALLEL" \
  UCS_PROXY_ADMISSION__QUEUE=100000 UCS_PROXY_ADMISSION__QUEUE_TIMEOUT_MS=600000

query() {
  curl -s -o /dev/null -u demo:demo -X POST "http://127.0.0.1:$PROXY_PORT/api/v2/ucs/interactions" \
    -d "{\"operationName\":\"RetrieveInteractionHistory\",\"maxSize\":1000,\"fromDate\":\"$(date -u -d '-180 days' +%F)\",\"customAttributes\":[\"burst$1\"]}"
}
export -f query
export PROXY_PORT
purge() { curl -s -X POST "http://127.0.0.1:$ADMIN_PORT/admin/cache/purge" -d '{}' >/dev/null; }
# Warm up (the store's pages, the allocator), empty the cache, then the baseline.
seq 1 20 | xargs -P 4 -I{} bash -c 'query warm{}'
sleep 3
purge
sleep 3
baseline=$(rss_mib)

peak=$baseline
seq 1 "$BURST" | xargs -P "$PARALLEL" -I{} bash -c 'query {}' &
burst=$!
while kill -0 "$burst" 2>/dev/null; do
  now=$(rss_mib); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.5
done
# Let the last deliveries finish (the acks come at once; the backend work follows) and the
# cache settle.
while :; do
  pending=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^ucs_proxy_history_duration_seconds_count/ {n += $2} END {print n + 0}')
  [ "$pending" -ge "$((BURST + 20))" ] && break
  sleep 1
done
sleep 2
cache=$(curl -s "http://127.0.0.1:$ADMIN_PORT/admin/cache")
after_burst=$(rss_mib)
purge
sleep 5
after_purge=$(rss_mib)
if [ -n "${PROBE:-}" ]; then
  curl -s "http://127.0.0.1:$ADMIN_PORT/admin/cache"; echo
  seq 1 200 | xargs -P 8 -I{} bash -c 'query probe'
  sleep 3
  echo "RSS after 200 more requests: $(rss_mib) MiB"
fi

cached_mib=$(echo "$cache" | sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' | awk '{printf "%.0f", $1 / 1048576}')
allowed=$((baseline + BUDGET_MIB + BUDGET_MIB / 4))
echo "cache budget           ${BUDGET_MIB} MiB (+ ${BUDGET_MIB}/4 MiB of rendered answers)"
echo "queries                ${BURST} distinct, ${PARALLEL} at a time"
echo "RSS baseline           ${baseline} MiB"
echo "RSS peak during burst  ${peak} MiB"
echo "RSS after burst        ${after_burst} MiB (cache holds ${cached_mib} MiB as weighed)"
echo "RSS after purge        ${after_purge} MiB"
echo "baseline + budget x1.25 = ${allowed} MiB: after burst $((after_burst - allowed)) MiB over, peak $((peak - allowed)) MiB over"
echo "after purge, $((after_purge - baseline)) MiB above the baseline"
