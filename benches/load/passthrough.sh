#!/usr/bin/env bash
# Load benchmark of the passthrough: GET /api/v2/me through ucs-proxy to an upstream, against
# nginx proxy_pass to the same upstream, side by side in one run (wrk, 64 connections). The
# upstream is nginx answering a fixed JSON body; a direct run against it shows the ceiling.
#
#   benches/load/passthrough.sh            # 10 s per run
#   DURATION=30 benches/load/passthrough.sh
#
#   PROXY_THREADS=1 benches/load/passthrough.sh   # one worker thread, like the nginx proxy
# Everything shares this machine's cores (proxy 2 threads, each nginx 1 worker, wrk 1 thread):
# read the ratio, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
UPSTREAM_PORT=${UPSTREAM_PORT:-18580}
PROXY_PORT=${PROXY_PORT:-18581}
NGINX_PROXY_PORT=${NGINX_PROXY_PORT:-18582}
ADMIN_PORT=${ADMIN_PORT:-18583}
# Worker threads of ucs-proxy (nginx runs one worker).
PROXY_THREADS=${PROXY_THREADS:-2}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite
ulimit -n 20000 2>/dev/null || true

work=$(mktemp -d)
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  for pid in "$work"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

nginx_conf() { # name, body of the server block
  cat > "$work/$1.conf" <<NGINX
worker_processes 1;
pid $work/$1.pid;
error_log $work/$1-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  proxy_temp_path $work;
  keepalive_requests 1000000;
  upstream gws { server 127.0.0.1:$UPSTREAM_PORT; keepalive 128; }
  server {
    $2
  }
}
NGINX
  /usr/sbin/nginx -c "$work/$1.conf"
}
nginx_conf upstream "listen 127.0.0.1:$UPSTREAM_PORT; location / { default_type application/json; return 200 '{\"id\":\"cc9016eee9c84dfeb266c642d9fd92c5\",\"userName\":\"demo\"}'; }"
nginx_conf nginx-proxy "listen 127.0.0.1:$NGINX_PROXY_PORT; location / { proxy_pass http://gws; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"

(cd "$work" && UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_ADMIN__LISTEN=127.0.0.1:$ADMIN_PORT \
  UCS_PROXY_SERVER__THREADS=$PROXY_THREADS UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_UPSTREAM__SERVERS="[\"127.0.0.1:$UPSTREAM_PORT\"]" \
  exec "$OLDPWD/target/release/ucs-proxy" --config "$OLDPWD/config/default.toml") &
proxy_pid=$!
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break
  kill -0 "$proxy_pid" 2>/dev/null || { echo "ucs-proxy did not start" >&2; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PROXY_PORT/api/v2/me" >/dev/null

rate() { wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
direct=$(rate "http://127.0.0.1:$UPSTREAM_PORT/api/v2/me")
proxied=$(rate "http://127.0.0.1:$PROXY_PORT/api/v2/me")
nginx=$(rate "http://127.0.0.1:$NGINX_PROXY_PORT/api/v2/me")
echo "passthrough GET /api/v2/me, $CONNECTIONS connections, ${DURATION}s each, ucs-proxy on $PROXY_THREADS threads"
echo "    upstream directly (ceiling)      : $direct req/s"
echo "    through ucs-proxy (pingora)      : $proxied req/s"
echo "    through nginx proxy_pass         : $nginx req/s"
awk -v p="$proxied" -v n="$nginx" 'BEGIN { printf "    ratio ucs-proxy / nginx proxy_pass: %.2f\n", p / n }'
