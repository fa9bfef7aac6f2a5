#!/usr/bin/env bash
# Load benchmark of cache hits, end to end, against reference servers run in the same script.
#
# (a) Requests/s of cache-hit history POSTs (the ack, with X-Cache: HIT; nobody listening) with
#     wrk against: ucs-proxy, a bare pingora handler returning the ack's fixed body
#     (benches/src/bin/bare-pingora.rs), and nginx returning the same body; ROUNDS rounds (the
#     three servers in turn within each, so that drift of the machine lands on all of them), the
#     ratios of each round and their median.
# (b) End-to-end hit queries: CLIENTS simulated desktops (benches/src/bin/ucs-load.rs), each a
#     CometD session with a long-poll always held plus a connection that POSTs; completed
#     queries/s at the peak (closed loop), then p50/p99 from POST sent to notification received
#     at half and at a quarter of that rate (open loop).
#
#   benches/load/hits.sh                        # 10 s per run, 3 rounds, 64 connections / clients
#   DURATION=30 ROUNDS=5 CONNECTIONS=128 CLIENTS=64 benches/load/hits.sh
#
# The servers run on core 0 and the load clients on core 1 (taskset, when there are two cores),
# so that the client's own work is not what is measured; the proxy and bare pingora with their
# default worker threads, nginx with 2 workers, wrk with 1 thread. Read the ratios, not the
# absolute numbers. (b) also prints the proxy's own measure of each delivery
# (ucs_proxy_notification_delivery_seconds: POST head received -> answer's last byte written).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
CLIENTS=${CLIENTS:-64}
PROXY_PORT=${PROXY_PORT:-18480}
NGINX_PORT=${NGINX_PORT:-18481}
PINGORA_PORT=${PINGORA_PORT:-18482}
ADMIN_PORT=${ADMIN_PORT:-18483}

. benches/load/tools.sh
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite -p ucs-benches --lib --bins
ulimit -n 20000 2>/dev/null || true

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The agent desktop's usual query: every media type the user may read, the default window and
# maxSize (100), over the embedded store's demo data.
QUERY='{"operationName":"RetrieveInteractionHistory"}'
ACK='{"statusCode":0,"referenceId":1}'

# The default configuration plus CLIENTS users bench0..benchN (password "bench"), each with
# every history feature, so that each simulated desktop is notified alone.
hash=$(echo bench | target/release/ucs-proxy hash-password)
cp config/default.toml "$work/proxy.toml"
for i in $(seq 0 $((CLIENTS - 1))); do
  printf '\n[[auth.users]]\nuser_name = "bench%d"\npassword_hash = "%s"\nid = "%032x"\ntenant = "cc1"\nfeatures = ["api-ucs-voice", "api-multimedia-chat", "api-multimedia-email", "api-multimedia-facebook", "api-multimedia-facebooksession", "api-multimedia-openmedia", "api-multimedia-twitter", "api-multimedia-workitem"]\n' \
    "$i" "$hash" "$((0xbe00 + i))" >> "$work/proxy.toml"
done

write_post_lua "$QUERY"

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
      return 200 '$ACK';
    }
  }
}
NGINX

server_cpu=(taskset -c 0)
client_cpu=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { server_cpu=(); client_cpu=(); }

(cd "$work" && UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_ADMIN__LISTEN=127.0.0.1:$ADMIN_PORT \
  UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_CACHE__TTL_SECONDS=3600 \
  exec "${server_cpu[@]}" "$OLDPWD/target/release/ucs-proxy" --config proxy.toml) &
pids+=($!)
"${server_cpu[@]}" target/release/bare-pingora --listen "127.0.0.1:$PINGORA_PORT" --threads 2 &
pids+=($!)
"${server_cpu[@]}" /usr/sbin/nginx -c "$work/nginx.conf"

# Wait for the proxy (it writes its demo database on first start), then warm the cache.
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "ucs-proxy did not start" >&2; exit 1; }
  sleep 0.1
done
url=/api/v2/ucs/interactions
curl -sf -u demo:demo -H 'Content-Type: application/json' -d "$QUERY" "http://127.0.0.1:$PROXY_PORT$url" >/dev/null
for _ in $(seq 1 100); do
  entries=$(curl -sf "http://127.0.0.1:$ADMIN_PORT/admin/cache" | sed -n 's/.*"entries":\([0-9]*\).*/\1/p')
  [ "${entries:-0}" -gt 0 ] && break
  sleep 0.1
done
x_cache=$(curl -sf -o /dev/null -D - -u demo:demo -H 'Content-Type: application/json' -d "$QUERY" \
  "http://127.0.0.1:$PROXY_PORT$url" | tr -d '\r' | sed -n 's/^x-cache: //Ip')
[ "$x_cache" = "HIT" ] || { echo "the warmed query is not a HIT ($x_cache)" >&2; exit 1; }

rate() { # url -> requests/s
  "${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
echo "(a) cache-hit history POSTs, ack only, $CONNECTIONS connections, ${DURATION}s each, $ROUNDS rounds"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  proxy_rate=$(rate "http://127.0.0.1:$PROXY_PORT$url")
  pingora_rate=$(rate "http://127.0.0.1:$PINGORA_PORT$url")
  nginx_rate=$(rate "http://127.0.0.1:$NGINX_PORT$url")
  ratios+=("$(awk -v p="$proxy_rate" -v b="$pingora_rate" -v n="$nginx_rate" 'BEGIN { printf "%.3f %.3f", p / b, p / n }')")
  echo "    round $round: ucs-proxy (auth + parse + cache lookup + ack) $proxy_rate req/s, bare pingora (fixed ack body) $pingora_rate, nginx (return 200, same body) $nginx_rate; ratios ${ratios[-1]}"
done
hits=$(curl -sf "http://127.0.0.1:$ADMIN_PORT/admin/cache" | sed -n 's/.*"hitRatio":\([0-9.]*\).*/\1/p')
echo "    cache hit ratio so far $hits"
median() { # column of the rounds' ratios (1: / bare pingora, 2: / nginx) -> its median
  printf '%s\n' "${ratios[@]}" | sort -n -k"$1,$1" | awk -v c="$1" '{ v[NR] = $c } END { printf "%.2f", v[int((NR + 1) / 2)] }'
}
echo "    median ratio ucs-proxy / bare pingora: $(median 1)   ucs-proxy / nginx: $(median 2)"

# One load run; prints the client's figures, then the proxy's own for the same run.
load() {
  curl -sf "http://127.0.0.1:$ADMIN_PORT/metrics" > "$work/before.txt"
  "${client_cpu[@]}" target/release/ucs-load --addr "127.0.0.1:$PROXY_PORT" --clients "$CLIENTS" \
    --seconds "$DURATION" --body "$QUERY" "$@"
  curl -sf "http://127.0.0.1:$ADMIN_PORT/metrics" > "$work/after.txt"
  echo "      in the proxy: $(python3 benches/load/quantiles.py ucs_proxy_notification_delivery_seconds "$work/before.txt" "$work/after.txt")"
}
peak=$(load)
peak_rate=$(echo "$peak" | sed -n 's/.* rate=\([0-9]*\) .*/\1/p' | head -1)
half=$((peak_rate / 2))
quarter=$((peak_rate / 4))
at_half=$(load --rate "$half")
at_quarter=$(load --rate "$quarter")
echo "(b) end to end, $CLIENTS desktops each with a held long-poll, POST sent -> notification received"
echo "    peak (closed loop)         : $peak"
echo "    at half peak ($half/s)     : $at_half"
echo "    at a quarter of peak ($quarter/s): $at_quarter"
