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

# lb_conf_head ADMIN: the top of lb-tcp's configuration in every benchmark: the admin address, no
# health checks and, as the peers here (HAProxy has no "log" line, nginx stream's access_log is
# off by default), no access log; the services follow.
lb_conf_head() {
  cat <<CONF
admin.listen = "$1"
service-defaults.health-check.type = none
service-defaults.access-log = false
CONF
}

# As an operator starts lb-tcp, with the JVM flags of the README, the Dockerfile and the systemd
# unit; LB_JAVA_OPTS replaces them to try others.
lb_java_opts=${LB_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmn6m -Xmx1g -Xss256k -XX:-TieredCompilation -XX:PerMethodTrapLimit=0 -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=1g -XX:TrimNativeHeapInterval=5000 -Dio.netty.leakDetection.level=disabled -XX:+ExitOnOutOfMemoryError}

# rss_kib PID: the resident memory of a process and its children (nginx's workers), in KiB.
rss_kib() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0))); done
  echo $total
}

# iperf_gbits TARGET: iperf3 -J's answer on standard input as Gbit/s received, or nan (saying why).
iperf_gbits() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
if "error" in d:
    print("iperf3 via " + sys.argv[1] + ": " + d["error"], file=sys.stderr)
    print("nan")
else:
    print(d["end"]["sum_received"]["bits_per_second"] / 1e9)' "$1"
}

# nginx_stream_conf WORK: nginx stream's main context as the benchmarks run it (two workers); the
# stream block's servers follow on standard input.
nginx_stream_conf() {
  cat <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off; worker_processes 2; worker_rlimit_nofile 20000; pid $1/nginx.pid; error_log $1/nginx.err;
events { worker_connections 19000; }
stream {
CONF
  cat
  echo "}"
}
