# Sourced by the load scripts that drive the release proxy: a scratch directory ($work) and the
# proxy running in it ($pid), both gone when the script exits.
#   start_proxy CONFIG [VAR=value ...]   starts target/release/ucs-proxy in $work on
#                                        PROXY_PORT/ADMIN_PORT with that environment, then waits
#                                        until it is ready
#   stop_proxy                           stops it
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_proxy() {
  local config=$1
  shift
  (cd "$work" && exec env \
    UCS_PROXY_SERVER__LISTEN="127.0.0.1:$PROXY_PORT" UCS_PROXY_ADMIN__LISTEN="127.0.0.1:$ADMIN_PORT" \
    UCS_PROXY_LOG__LEVEL=warn "$@" "$OLDPWD/target/release/ucs-proxy" --config "$config") &
  pid=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
}

stop_proxy() {
  kill "$pid" && wait "$pid" 2>/dev/null || true
  pid=
}
