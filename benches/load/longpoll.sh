#!/usr/bin/env bash
# Fan-out benchmark: N held long-polling sessions (default 10 000) on ucs-proxy (release build)
# and on the official cometd-nodejs-server (reference) in the same run; one message fanned out to
# all of them; prints each server's RSS and delivery latency, and the ratios.
#
#   benches/load/longpoll.sh [sessions]
set -euo pipefail
cd "$(dirname "$0")/../.."
SESSIONS=${1:-10000}
PROXY_PORT=${PROXY_PORT:-18490}
REF_PORT=${REF_PORT:-18491}

# Every held session is a socket on each side: raise the fd limit as far as this machine allows
# (a container without CAP_SYS_RESOURCE cannot pass its hard limit; the run then says so).
want=$((SESSIONS + 2000))
if ! ulimit -n "$want" 2>/dev/null; then
  ulimit -n "$(ulimit -Hn)"
  echo "fd limit: $(ulimit -n) < $want, cannot be raised here; run with at most $(($(ulimit -n) - 2000)) sessions" >&2
  exit 2
fi
scripts/deps
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite >/dev/null
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null

# The servers on one core, the load client on the other: the client (one node thread parsing
# 10 000 answers) must not be what the latency measures. On its one core the proxy runs one
# worker thread, as the Node reference does (two threads on one core only add switches).
server_cpu=(taskset -c 0)
client_cpu=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { server_cpu=(); client_cpu=(); }

UCS_PROXY_SERVER__LISTEN=127.0.0.1:$PROXY_PORT UCS_PROXY_LOG__LEVEL=warn UCS_PROXY_SERVER__THREADS=1 \
UCS_PROXY_COMETD__MAX_SESSIONS_PER_BROWSER=1 \
  "${server_cpu[@]}" target/release/ucs-proxy --config config/default.toml &
proxy_pid=$!
"${server_cpu[@]}" node benches/load/reference-cometd.cjs "$REF_PORT" 30000 >/dev/null &
ref_pid=$!
trap 'kill $proxy_pid $ref_pid 2>/dev/null || true' EXIT
# Both listening (the proxy writes its demo database, contents included, on its first start).
for port in "$PROXY_PORT" "$REF_PORT"; do
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
done

ours=$("${client_cpu[@]}" node benches/load/longpoll.mjs "http://127.0.0.1:$PROXY_PORT" /api/v2/notifications "$proxy_pid" publish "$SESSIONS")
echo "ucs-proxy  publish: $ours"
theirs=$("${client_cpu[@]}" node benches/load/longpoll.mjs "http://127.0.0.1:$REF_PORT" /cometd "$ref_pid" publish "$SESSIONS")
echo "reference  publish: $theirs"
history=$("${client_cpu[@]}" node benches/load/longpoll.mjs "http://127.0.0.1:$PROXY_PORT" /api/v2/notifications "$proxy_pid" history "$SESSIONS")
echo "ucs-proxy  history: $history"
node -e '
const [a, b] = process.argv.slice(1).map(JSON.parse);
console.log(`ratio ucs-proxy / reference: RSS while holding ${(a.rssMiB.holding / b.rssMiB.holding).toFixed(2)}, p99 latency ${(a.latencyMs.p99 / Math.max(1, b.latencyMs.p99)).toFixed(2)}`);
' "$ours" "$theirs"
