#!/usr/bin/env bash
# Where an idle CometD session's memory goes: the proxy (built with the system allocator, so
# that valgrind sees every allocation) runs under valgrind's massif; the fan-out client
# (benches/src/bin/fanout.rs) holds N long-polling sessions on it; a heap snapshot is taken before
# the sessions and another once all of them hold their connect; benches/load/heap_sites.py
# prints the difference per allocation site, in bytes per session.
#
#   benches/load/heap.sh [sessions]       # default 2000
#
# massif counts the bytes asked for (plus 8 per block), not the allocator's size classes nor
# the pages the kernel holds: the sum is below the RSS per session longpoll.sh prints.
set -euo pipefail
cd "$(dirname "$0")/../.."
SESSIONS=${1:-2000}
PROXY_PORT=${PROXY_PORT:-18495}
ulimit -n "$((SESSIONS + 2000))" 2>/dev/null || {
  echo "fd limit $(ulimit -Hn): run with fewer sessions" >&2
  exit 2
}
scripts/deps
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite --no-default-features >/dev/null
work=$(mktemp -d)
# The snapshots stay for a closer look (ms_print target/heap/holding.massif).
out=target/heap
mkdir -p "$out"
# The binary beside the backend plugins it loads from its own directory.
cp target/release/ucs-proxy "$work/ucs-proxy-system-alloc"
cp target/release/*.so "$work/"
# Back to the default (jemalloc) binary for the other scripts.
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite >/dev/null
cargo build --release --locked -p ucs-benches --bin fanout >/dev/null

# Long polls held for ten minutes: under valgrind the setup is slow, and a poll answered on its
# timeout would leave its session's connection idle in the snapshot.
UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_SERVER__THREADS=1 \
UCS_PROXY_COMETD__MAX_SESSIONS_PER_BROWSER=1 UCS_PROXY_COMETD__TIMEOUT_MS=600000 \
  valgrind -q --tool=massif --threshold=0.05 --depth=40 --massif-out-file="$out/massif.out" \
  "$work/ucs-proxy-system-alloc" --config config/default.toml &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1200); do
  curl -s -o /dev/null "http://127.0.0.1:$PROXY_PORT/" && break
  sleep 0.25
done
# The demo user's first login (argon2) and one session set up and gone, so that what is lazily
# built once (caches, pools, the hash) is in the first snapshot too.
target/release/fanout --addr "127.0.0.1:$PROXY_PORT" --path /api/v2/notifications --pid "$pid" \
  --mode publish --sessions 1 --source-net 201 >/dev/null
sleep 1
vgdb --pid="$pid" detailed_snapshot "$out/idle.massif" >/dev/null
target/release/fanout --addr "127.0.0.1:$PROXY_PORT" --path /api/v2/notifications --pid "$pid" \
  --mode publish --sessions "$SESSIONS" --source-net 202 \
  --on-holding "vgdb --pid=$pid detailed_snapshot $out/holding.massif >/dev/null"
python3 benches/load/heap_sites.py "$out/idle.massif" "$out/holding.massif" "$SESSIONS"
