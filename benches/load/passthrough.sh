#!/usr/bin/env bash
# Load benchmark of the passthrough: GET /api/v2/me through ucs-proxy to an upstream, against
# nginx proxy_pass and pingora's minimal proxy (bare-pingora --upstream: what pingora's own
# proxy path costs) to the same upstream, side by side in one run (wrk, 64 connections). The
# upstream is nginx answering a fixed JSON body; a direct run against it shows the ceiling.
# The proxies run on core 0, wrk and the upstream on core 1 (taskset, with two cores).
#
#   benches/load/passthrough.sh            # 3 rounds, 5 s per server and round
#   ROUNDS=5 DURATION=10 benches/load/passthrough.sh
#
# The servers take turns within each round and each one's rate is the mean over the rounds, so
# that a slow minute of a shared machine weighs on all of them alike.
#
#   PROXY_THREADS=1 benches/load/passthrough.sh   # one worker thread, like the nginx proxy
# Read the ratios, not the absolute numbers (proxy 2 threads, each nginx 1 worker, wrk 1 thread).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
UPSTREAM_PORT=${UPSTREAM_PORT:-18580}
PROXY_PORT=${PROXY_PORT:-18581}
NGINX_PROXY_PORT=${NGINX_PROXY_PORT:-18582}
ADMIN_PORT=${ADMIN_PORT:-18583}
# Worker threads of ucs-proxy (nginx runs one worker).
PROXY_THREADS=${PROXY_THREADS:-2}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite
cargo build --release --locked -p ucs-benches --bin bare-pingora
PINGORA_PORT=${PINGORA_PORT:-18584}
server_cpu=(taskset -c 0)
client_cpu=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { server_cpu=(); client_cpu=(); }
ulimit -n 20000 2>/dev/null || true

work=$(mktemp -d)
proxy_pid=
pingora_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$pingora_pid" ] && kill "$pingora_pid" 2>/dev/null || true
  for pid in "$work"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

nginx_conf upstream "$(nginx_upstream_block "$UPSTREAM_PORT")"
taskset -c "$(($(nproc) > 1))" /usr/sbin/nginx -c "$work/upstream.conf"
nginx_conf nginx-proxy "$(nginx_proxy_block "$NGINX_PROXY_PORT")"
taskset -c 0 /usr/sbin/nginx -c "$work/nginx-proxy.conf"

(cd "$work" && UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_ADMIN__LISTEN=127.0.0.1:$ADMIN_PORT \
  UCS_PROXY_SERVER__THREADS=$PROXY_THREADS UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_UPSTREAM__SERVERS="[\"127.0.0.1:$UPSTREAM_PORT\"]" \
  exec "${server_cpu[@]}" "$OLDPWD/target/release/ucs-proxy" --config "$OLDPWD/config/default.toml") &
proxy_pid=$!
"${server_cpu[@]}" target/release/bare-pingora --listen "127.0.0.1:$PINGORA_PORT" --threads "$PROXY_THREADS" \
  --upstream "127.0.0.1:$UPSTREAM_PORT" &
pingora_pid=$!
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break
  kill -0 "$proxy_pid" 2>/dev/null || { echo "ucs-proxy did not start" >&2; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PROXY_PORT/api/v2/me" >/dev/null

rate() { "${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
direct=$(rate "http://127.0.0.1:$UPSTREAM_PORT/api/v2/me")
proxied=0 nginx=0 pingora=0
mean() { awk -v sum="$1" -v rate="$2" -v n="$ROUNDS" 'BEGIN { printf "%.2f", sum + rate / n }'; }
for round in $(seq 1 "$ROUNDS"); do
  proxied=$(mean "$proxied" "$(rate "http://127.0.0.1:$PROXY_PORT/api/v2/me")")
  nginx=$(mean "$nginx" "$(rate "http://127.0.0.1:$NGINX_PROXY_PORT/api/v2/me")")
  pingora=$(mean "$pingora" "$(rate "http://127.0.0.1:$PINGORA_PORT/api/v2/me")")
done
echo "passthrough GET /api/v2/me, $CONNECTIONS connections, $ROUNDS rounds of ${DURATION}s each, ucs-proxy on $PROXY_THREADS threads"
echo "    upstream directly (ceiling)      : $direct req/s"
echo "    through ucs-proxy                : $proxied req/s"
echo "    through nginx proxy_pass         : $nginx req/s"
echo "    through pingora's minimal proxy  : $pingora req/s"
awk -v p="$proxied" -v n="$nginx" -v g="$pingora" 'BEGIN {
  printf "    ratio ucs-proxy / nginx proxy_pass: %.2f   ucs-proxy / pingora minimal proxy: %.2f   pingora minimal proxy / nginx: %.2f\n", p / n, p / g, g / n }'
