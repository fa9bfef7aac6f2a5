#!/usr/bin/env bash
# The soak: ten minutes (DURATION seconds) of mixed traffic against the release proxy on the
# embedded store's demo data — 2 000 held CometD long-polls with handshake churn, cache hits,
# misses awaited over CometD, bad inputs and a few wrong passwords (benches/load/soak.mjs) —
# printing errors (goal 0), RSS and open fds at start (after a 20 s warm-up), middle and end
# (goal: flat), and the p99 of normal queries.
#
#   benches/load/soak.sh                  # 600 s
#   DURATION=120 SESSIONS=500 benches/load/soak.sh
#   UCS_PROXY_CACHE__MAX_BYTES=32MiB WARMUP_SECONDS=90 benches/load/soak.sh   # cache full at start
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-600}
PROXY_PORT=${PROXY_PORT:-18590}
ADMIN_PORT=${ADMIN_PORT:-18591}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null

. benches/load/proxy.sh
mkdir -p "$work/data"
target/release/ucs-demo-data --database "$work/data/demo.db" >/dev/null
# 2 000 sessions and their connects need more descriptors than the default soft limit.
ulimit -n 65536 2>/dev/null || true
start_proxy "$PWD/config/default.toml" UCS_PROXY_COMETD__MAX_SESSIONS_PER_BROWSER=100000
NODE_PATH=tests/node/node_modules node benches/load/soak.mjs "http://127.0.0.1:$PROXY_PORT" "$pid" "$DURATION"
