#!/usr/bin/env bash
# Fan-out benchmark: N held long-polling sessions (default 10 000) on ucs-proxy (release build)
# and on the official cometd-nodejs-server (reference) in the same run; one message fanned out to
# all of them; prints each server's RSS, delivery latency and CPU time, and the ratios.
#
#   benches/load/longpoll.sh [sessions]
#   CLIENT=node benches/load/longpoll.sh   # the Node.js client (longpoll.mjs) instead
#
# The load client is benches/src/bin/fanout.rs: it reads 10 000 replies in a few tens of
# milliseconds, so the latency is the server's. The Node.js client spends ~80 µs of its one
# thread on each reply, more than either server: with it, both servers wait for the client and
# the figures measure the client (kept for comparison with earlier runs).
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
cargo build --release --locked -p ucs-benches --bin fanout >/dev/null
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null

# The servers on one core, the load client on the other: the client must not be what the
# latency measures. On its one core the proxy runs one worker thread, as the Node reference
# does (two threads on one core only add switches).
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

# Each client run connects from its own loopback addresses (127.<net>.0.x), so that
# no run waits for ephemeral ports an earlier run left in TIME_WAIT (a minute).
net=$(( ($(date +%s) / 60) % 80 * 3 ))
client() { # url path pid mode net
  if [ "${CLIENT:-rust}" = node ]; then
    SOURCE_NET=$5 "${client_cpu[@]}" node benches/load/longpoll.mjs "$1" "$2" "$3" "$4" "$SESSIONS"
  else
    "${client_cpu[@]}" target/release/fanout --addr "${1#http://}" --path "$2" --pid "$3" \
      --mode "$4" --sessions "$SESSIONS" --source-net "$5"
  fi
}
ours=$(client "http://127.0.0.1:$PROXY_PORT" /api/v2/notifications "$proxy_pid" publish $((net + 1)))
echo "ucs-proxy  publish: $ours"
theirs=$(client "http://127.0.0.1:$REF_PORT" /cometd "$ref_pid" publish $((net + 2)))
echo "reference  publish: $theirs"
history=$(client "http://127.0.0.1:$PROXY_PORT" /api/v2/notifications "$proxy_pid" history $((net + 3)))
echo "ucs-proxy  history: $history"
node -e '
const [a, b] = process.argv.slice(1).map(JSON.parse);
const p99 = a.latencyMs.p99 === null || b.latencyMs.p99 === null
  ? "n/a (a run did not deliver to 99 % of its sessions)"
  : (a.latencyMs.p99 / Math.max(1, b.latencyMs.p99)).toFixed(2);
const cpu = a.serverCpuMs && b.serverCpuMs ? `, server CPU during the fan-out ${(a.serverCpuMs / b.serverCpuMs).toFixed(2)}` : "";
console.log(`ratio ucs-proxy / reference: RSS while holding ${(a.rssMiB.holding / b.rssMiB.holding).toFixed(2)}, p99 latency ${p99}${cpu}`);
' "$ours" "$theirs"
