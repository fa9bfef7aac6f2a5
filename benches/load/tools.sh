# Sourced by the load scripts: installs what they drive (wrk, nginx, curl) from Debian packages
# when missing, then the build's own system packages (scripts/deps).
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
scripts/deps

# Writes $work/NAME.conf: one nginx worker whose server block is SERVER, with the upstream `gws`
# (127.0.0.1:$UPSTREAM_PORT, keepalive 128) for a proxy_pass; TOP: more main-context directives.
nginx_conf() { # name, server block, [top-level directives]
  cat > "$work/$1.conf" <<NGINX
${3:-}
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
}
# The server blocks of the load scripts' nginx: the upstream answering GET /api/v2/me, and
# nginx proxy_pass to it.
nginx_upstream_block() { # port
  echo "listen 127.0.0.1:$1; location / { default_type application/json; return 200 '{\"id\":\"cc9016eee9c84dfeb266c642d9fd92c5\",\"userName\":\"demo\"}'; }"
}
nginx_proxy_block() { # port
  echo "listen 127.0.0.1:$1; location / { proxy_pass http://gws; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
}

# The server a script runs in the background (its pid in $server_pid, its output in
# $work/server.log): waits up to TENTHS tenths of a second for $PORT to answer HTTP; a server that
# exits meanwhile has its output printed and stops the script.
await_server() { # tenths
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not answer on port $PORT within $(($1 / 10)) s" >&2
  exit 1
}
# Stops that server (SIGINT) and waits for it.
stop() {
  kill -INT "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
# The release binaries the comparisons with bare pingora run: the proxy, its demo store plugin,
# bare pingora (benches/src/bin/bare-pingora.rs).
build_proxy_and_bare_pingora() {
  cargo build --release --locked -p ucs-proxy -p ucs-plugin-store-sqlite
  cargo build --release --locked -p ucs-benches --bin bare-pingora
}
# Writes $work/post.lua: wrk POSTs BODY (JSON) as the demo user (demo:demo, a user of
# config/default.toml).
write_post_lua() { # body
  cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic ZGVtbzpkZW1v"
wrk.body = '$1'
LUA
}
