#!/usr/bin/env bash
# CPU time per cache-hit ack, user and system apart, against bare pingora answering the same ack
# (benches/src/bin/bare-pingora.rs), in the same script: where wrk's requests/s (hits.sh) say
# "slower" or "faster" by a few percent, this says whether the difference is our code's time in
# user space or the kernel's. Each server alone on core 0 with THREADS worker threads (default
# 2, the proxy's default), wrk (64 connections, DURATION s) on core 1; the server's utime/stime from /proc/PID/stat
# before and after, divided by the requests wrk completed; ROUNDS rounds, the servers in turn.
#
#   benches/load/cpu.sh                  # DURATION=10 ROUNDS=2 THREADS=2
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
PORT=${PORT:-18791}
ADMIN_PORT=${ADMIN_PORT:-18792}

. benches/load/tools.sh
build_proxy_and_bare_pingora

work=$(mktemp -d)
server_pid=
trap 'stop; rm -rf "$work"' EXIT

QUERY='{"operationName":"RetrieveInteractionHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-05"}'
write_post_lua "$QUERY"
url="http://127.0.0.1:$PORT/api/v2/ucs/interactions"
server_cpu=(taskset -c 0)
client_cpu=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { server_cpu=(); client_cpu=(); }
tick=$(getconf CLK_TCK)

start() { # command...
  "${server_cpu[@]}" "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  await_server 300
}
measure() { # name -> one line: requests, user and system microseconds per request
  # The query once (the proxy's miss, then its hit), and a second for things to settle.
  curl -s -o /dev/null -u demo:demo -H 'Content-Type: application/json' -d "$QUERY" "$url"
  sleep 1
  local u0 s0 u1 s1 n
  read -r u0 s0 < <(awk '{ print $14, $15 }' "/proc/$server_pid/stat")
  n=$("${client_cpu[@]}" wrk -t1 -c64 -d"${DURATION}s" -s "$work/post.lua" "$url" | awk '/requests in/ { print $1 }')
  read -r u1 s1 < <(awk '{ print $14, $15 }' "/proc/$server_pid/stat")
  awk -v n="$n" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$tick" -v name="$1" -v d="$DURATION" 'BEGIN {
    printf "    %-13s %7.0f req/s   user %5.2f us/req   system %5.2f us/req   total %5.2f us/req\n",
      name, n / d, u / t / n * 1e6, s / t / n * 1e6, (u + s) / t / n * 1e6 }'
}

echo "CPU time per cache-hit ack (wrk, 64 connections, ${DURATION}s per server and round, $THREADS worker threads)"
for round in $(seq 1 "$ROUNDS"); do
  echo "  round $round"
  start env UCS_PROXY_SERVER__LISTEN="127.0.0.1:$PORT" UCS_PROXY_ADMIN__LISTEN="127.0.0.1:$ADMIN_PORT" \
    UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_CACHE__TTL_SECONDS=3600 UCS_PROXY_SERVER__THREADS="$THREADS" \
    target/release/ucs-proxy --config config/default.toml
  measure ucs-proxy
  stop
  start target/release/bare-pingora --listen "127.0.0.1:$PORT" --threads "$THREADS"
  measure "bare pingora"
  stop
done
