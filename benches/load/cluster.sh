#!/usr/bin/env bash
# Cluster benchmark: three release nodes on the local Redis (a fresh key prefix), the official
# CometD client holding one session of the user on node A and one on node C. Prints, per kind of
# answer, POST sent -> notification received at the same node's session and at the other
# node's (p50/p99), and Redis round trips per request on the node that took the POST:
#   miss (POST on A, new query), L1 hit (same query again on A), L2 hit (that query on C).
#
#   benches/load/cluster.sh [queries]        (default 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/deps
scripts/services
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite >/dev/null
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null
UCS_PROXY_BIN="$PWD/target/release/ucs-proxy" node benches/load/cluster.mjs "${1:-300}"
