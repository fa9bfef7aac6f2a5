#!/usr/bin/env bash
# The staleness benchmark: a simulated contact centre (benches/src/bin/staleness.rs: AGENTS
# agents asking the histories of the customers they talk to, while interactions of those
# customers are created and closed in the database at RATE a second) against the release proxy
# on the embedded SQLite store, run three ways:
#   no-cache       cache.enabled = false
#   ttl-only       cache.ttl_seconds = 60, the store's change feed off (what a TTL cache does)
#   invalidation   cache.ttl_seconds = 600, the change feed on
# Each prints hit ratio, backend calls/s and the answers that differed from the store's truth
# (goal: 0 with invalidation, with a hit ratio above ttl-only's). The cost of one change with
# 100 000 cached entries over 100 tenants: cargo bench -p ucs-benches --bench invalidation.
#
#   benches/load/staleness.sh                 # 120 s per mode, 0.5 changes/s
#   SECONDS_PER_MODE=20 RATE=5 benches/load/staleness.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_PER_MODE=${SECONDS_PER_MODE:-120}
RATE=${RATE:-0.5}
AGENTS=${AGENTS:-12}
PROXY_PORT=${PROXY_PORT:-18600}
ADMIN_PORT=${ADMIN_PORT:-18601}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite -p ucs-benches --lib --bins

. benches/load/proxy.sh

run_mode() {
  local mode=$1 ttl=$2 feed=$3 enabled=$4
  rm -rf "$work/data" && mkdir -p "$work/data"
  target/release/ucs-demo-data --interactions 3000 --database "$work/data/demo.db" >/dev/null
  sed "s/^demo_interactions = .*/demo_interactions = 0\nchange_feed = $feed/" config/default.toml > "$work/proxy.toml"
  start_proxy "$work/proxy.toml" UCS_PROXY_CACHE__ENABLED="$enabled" UCS_PROXY_CACHE__TTL_SECONDS="$ttl"
  printf '%-13s ' "$mode"
  target/release/staleness --addr "127.0.0.1:$PROXY_PORT" --admin "127.0.0.1:$ADMIN_PORT" \
    --database "$work/data/demo.db" --agents "$AGENTS" --seconds "$SECONDS_PER_MODE" --rate "$RATE"
  stop_proxy
}

echo "staleness: $AGENTS agents, $RATE changes/s, ${SECONDS_PER_MODE}s per mode"
run_mode no-cache 60 false false
run_mode ttl-only 60 false true
run_mode invalidation 600 true true
