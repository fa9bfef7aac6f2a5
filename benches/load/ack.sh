#!/usr/bin/env bash
# Load benchmark of the history endpoint's immediate answer (parse + validate + ack), against a
# reference server run in the same script: nginx answering the same POST with a fixed body
# (`return 200`), i.e. the cost of HTTP alone with no work done. Prints both rates and the ratio.
#
#   benches/load/ack.sh            # 10 s per server, 64 connections, 1 wrk thread
#   DURATION=30s CONNECTIONS=128 benches/load/ack.sh
#
# Everything listens on 127.0.0.1; wrk, the proxy and nginx share this machine's cores, so read
# the ratio, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PROXY_PORT=${PROXY_PORT:-18480}
NGINX_PORT=${NGINX_PORT:-18481}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
scripts/deps
cargo build --release --locked -p ucs-proxy >/dev/null

work=$(mktemp -d)
cleanup() {
  [ -n "${proxy_pid:-}" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic ZGVtbzpkZW1v" -- demo:demo, a user of config/default.toml
wrk.body = '{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-05","userId":"cc9016eeee9c84dfcb66c642d9fd92c5","sort":"asc","searchCustomAttributes":{"SearchId":"123456"},"customAttributes":["SearchId","CustomerId"]}'
LUA

cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      default_type "application/json;charset=UTF-8";
      return 200 '{"statusCode":0,"referenceId":1}';
    }
  }
}
NGINX

rate() { # url -> requests/s
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/post.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}

UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_LOG__LEVEL=warn \
  target/release/ucs-proxy --config config/default.toml &
proxy_pid=$!
/usr/sbin/nginx -c "$work/nginx.conf"
sleep 1

url=/api/v2/ucs/interactions
proxy_rate=$(rate "http://127.0.0.1:$PROXY_PORT$url")
nginx_rate=$(rate "http://127.0.0.1:$NGINX_PORT$url")
echo "ucs-proxy ack (parse+validate+ack): $proxy_rate req/s"
echo "nginx return 200 (reference)      : $nginx_rate req/s"
awk -v p="$proxy_rate" -v n="$nginx_rate" 'BEGIN { printf "ratio ucs-proxy / nginx: %.2f\n", p / n }'
