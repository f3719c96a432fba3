# Sourced by run.sh, reload.sh and conn_cost.sh: the pieces they start the same way.

# bench_workdir PREFIX: a scratch directory in $work, the array pids of what the script starts,
# and a trap that ends every one of them and removes $work when the script exits.
bench_workdir() {
  work=$(mktemp -d "$1.XXXX")
  pids=()
  trap bench_cleanup EXIT
  ulimit -n "$(ulimit -Hn)"
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

# http_backend_conf WORK PORT [HOST [MORE_PORTS]]: an nginx HTTP server on HOST:PORT (127.0.0.1
# unless given), and on each of MORE_PORTS, answering 1 KiB to every request.
http_backend_conf() {
  local work=$1 port=$2 host=${3:-127.0.0.1} more=${4:-} body listen p
  body=$(head -c 1024 /dev/zero | tr '\0' 'x')
  listen="listen $host:$port backlog=4096;"
  for p in $more; do listen="$listen listen $host:$p backlog=4096;"; done
  cat <<CONF
daemon off; worker_processes 1; worker_rlimit_nofile 20000; pid $work/backend-$port.pid; error_log $work/backend-$port.err;
events { worker_connections 19000; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 300s;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { $listen location / { return 200 "$body"; } } }
CONF
}

# haproxy_head: HAProxy's global and defaults sections as the Performance issue measured it
# (mode tcp, splice where it pays, two threads); frontends and backends follow.
haproxy_head() {
  cat <<CONF
global
  maxconn 9400
  maxpipes 256
  nbthread 2
defaults
  mode tcp
  timeout connect 5s
  timeout client 10m
  timeout server 10m
  option splice-auto
CONF
}
