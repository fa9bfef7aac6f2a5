#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: deterministic where requests/s are
# not (the same binary and inputs give the same count on a busy or an idle machine), so that a
# regression of a few percent on the hot path shows. Each server runs under callgrind with one
# worker thread; a fixed client (benches/load/fixed_requests.py) sends WARMUP requests, the
# counters are zeroed, then COUNT requests are counted and divided by COUNT, twice; the lower
# count is printed (a one-off background task lands in one window only).
#
#   ack hit      POST RetrieveInteractionHistory, a cache hit: ucs-proxy vs bare pingora
#                answering the same ack body (benches/src/bin/bare-pingora.rs)
#   e2e hit      the same POST with the caller's CometD session holding a /meta/connect: the
#                ack, the notification written on the held connect, the connect held again
#   passthrough  GET /api/v2/me forwarded to an nginx upstream: ucs-proxy vs pingora's minimal
#                proxy (bare-pingora --upstream) and nginx proxy_pass (one process, keepalive
#                128) to the same upstream
#
#   benches/load/instructions.sh            # COUNT=2000 WARMUP=200
set -euo pipefail
# A failed request run inside $(count …) must stop the script, not print a count of nothing.
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."

COUNT=${COUNT:-2000}
WARMUP=${WARMUP:-200}
UPSTREAM_PORT=${UPSTREAM_PORT:-18680}
PORT=${PORT:-18681}
ADMIN_PORT=${ADMIN_PORT:-18682}

. benches/load/tools.sh
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
build_proxy_and_bare_pingora

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -INT "$server_pid" 2>/dev/null || true
  [ -f "$work/upstream.pid" ] && kill "$(cat "$work/upstream.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

nginx_conf upstream "$(nginx_upstream_block "$UPSTREAM_PORT")"
/usr/sbin/nginx -c "$work/upstream.conf"

# jemalloc without its background thread and without time-based purging: the allocator's work
# then depends on the requests only.
export _RJEM_MALLOC_CONF="background_thread:false,dirty_decay_ms:-1,muzzy_decay_ms:-1"

start() { # command... : runs it under callgrind with the environment in `vars`, waits for $PORT
  env "${vars[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  await_server 1200
}
count() { # mode -> instructions per request: the lower of two counted windows (a one-off
  # background task of the server, such as the first change-feed catch-up, lands in one only)
  python3 benches/load/fixed_requests.py "127.0.0.1:$PORT" "$1" "$WARMUP"
  local best=
  for _ in 1 2; do
    callgrind_control -z "$server_pid" >/dev/null
    python3 benches/load/fixed_requests.py "127.0.0.1:$PORT" "$1" "$COUNT"
    callgrind_control -d "$server_pid" >/dev/null
    local dump per
    dump=$(ls -t "$work"/callgrind."$server_pid"* | head -1)
    per=$(awk -v n="$COUNT" '/^(totals|summary):/ { total = $2 } END { printf "%.0f\n", total / n }' "$dump")
    if [ -z "$best" ] || [ "$per" -lt "$best" ]; then best=$per; fi
  done
  echo "$best"
}
proxy() { # extra environment...
  vars=(UCS_PROXY_SERVER__LISTEN="127.0.0.1:$PORT" UCS_PROXY_ADMIN__LISTEN="127.0.0.1:$ADMIN_PORT"
    UCS_PROXY_SERVER__THREADS=1 UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_CACHE__TTL_SECONDS=3600 "$@")
  start target/release/ucs-proxy --config config/default.toml
  vars=()
}
vars=()

proxy
ack=$(count ack)
e2e=$(count e2e)
stop
start target/release/bare-pingora --listen "127.0.0.1:$PORT" --threads 1
bare_ack=$(count ack)
stop
proxy UCS_PROXY_UPSTREAM__SERVERS="[\"127.0.0.1:$UPSTREAM_PORT\"]"
pass=$(count get)
stop
start target/release/bare-pingora --listen "127.0.0.1:$PORT" --threads 1 --upstream "127.0.0.1:$UPSTREAM_PORT"
bare_pass=$(count get)
stop
# nginx as one process (no master), so that callgrind counts the worker that proxies.
nginx_conf nginx-proxy "$(nginx_proxy_block "$PORT")" "daemon off; master_process off;"
start /usr/sbin/nginx -c "$work/nginx-proxy.conf"
nginx_pass=$(count get)
stop

echo "instructions per request (callgrind, $COUNT requests after $WARMUP, one worker thread)"
awk -v a="$ack" -v ba="$bare_ack" -v e="$e2e" -v p="$pass" -v bp="$bare_pass" -v np="$nginx_pass" 'BEGIN {
  printf "    %-12s ucs-proxy %9d   bare pingora          %9d   ratio %.2f\n", "ack hit", a, ba, a / ba
  printf "    %-12s ucs-proxy %9d   (the POST, the notification on the held connect, the next connect)\n", "e2e hit", e
  printf "    %-12s ucs-proxy %9d   pingora minimal proxy %9d   ratio %.2f\n", "passthrough", p, bp, p / bp
  printf "    %-12s ucs-proxy %9d   nginx proxy_pass      %9d   ratio %.2f\n", "passthrough", p, np, p / np
}'
