#!/usr/bin/env bash
# Reloads under load and cold starts, lb-tcp against HAProxy, in one run. Loopback only; it stops
# everything it starts.
#
#   bench/reload.sh [REPS]     (default 3)
#   ONLY=cold bench/reload.sh  (the cold start alone; LB_JAVA_OPTS="..." to try other JVM flags)
#
# 1. Reload: each proxy is warmed with 20 s of new connections, then takes 20 s more (ConnRate,
#    16 clients, one HTTP request per connection); at 10 s its file changes (a second backend
#    added, or taken out again, in turn) and it reloads: lb-tcp by SIGHUP, in place; HAProxy in
#    master-worker mode by SIGUSR2 (a new worker takes the listeners, the old one finishes).
#    Prints new connections/s in the 10 s before and after each reload, the ratio, and the failed
#    connections.
# 2. Cold start: new connections/s second by second for the first 60 s after a start (lb-tcp with
#    the README's JVM flags; LB_JAVA_OPTS replaces them), against HAProxy's.
#
# Needs: java 17, maven, haproxy, nginx (+ libnginx-mod-stream).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
. bench/peers.sh
bench_workdir /tmp/l4lb-reload

[ -f lb-tcp/target/lb-tcp.jar ] || mvn -B -q -DskipTests package
lb_java_opts=${LB_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmn6m -Xmx1g -Xss256k -XX:-TieredCompilation -XX:PerMethodTrapLimit=0 -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=1g -XX:TrimNativeHeapInterval=5000 -Dio.netty.leakDetection.level=disabled -XX:+ExitOnOutOfMemoryError}

for port in 16001 16002; do
  http_backend_conf "$work" $port > "$work/backend-$port.conf"
  nginx -c "$work/backend-$port.conf" -p "$work" & pids+=($!)
done
javac -d "$work" bench/ConnRate.java
rate() { java -cp "$work" ConnRate "$@"; }

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; exit 1
}

# lb_conf N: lb-tcp's file; N = 1 or 2 backends.
lb_conf() {
  local servers='"127.0.0.1:16001"'
  if [ "$1" = 2 ]; then servers='"127.0.0.1:16001", "127.0.0.1:16002"'; fi
  cat > "$work/lb.conf" <<CONF
admin.listen = "127.0.0.1:17390"
service-defaults.health-check.type = none
service-defaults.access-log = false
services.http { listen = ["127.0.0.1:17302"], servers = [$servers] }
CONF
}
haproxy_conf() {
  { haproxy_head; cat <<CONF
frontend fh
  bind 127.0.0.1:17102
  default_backend bh
backend bh
  server s1 127.0.0.1:16001
CONF
    if [ "$1" = 2 ]; then echo "  server s2 127.0.0.1:16002"; fi
  } > "$work/haproxy.cfg"
}

# before_after FILE: new connections/s in seconds 0-9 and 10-19, their ratio, failed connections.
before_after() {
  awk '!/^#/ { if ($1 < 10) b += $2; else a += $2; f += $3 }
       END { printf "before %7.0f/s  after %7.0f/s  after/before %.3f  failed %d\n", b / 10, a / 10, a / b, f }' "$1"
  grep '^#' "$1" || true
}

if [ "${ONLY:-}" != cold ]; then
echo "== 1. reload under load ($REPS per proxy)"
lb_conf 1
java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb.conf" > "$work/lb.log" 2>&1 & pids+=($!)
lb=$!
haproxy_conf 1
haproxy -W -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 & pids+=($!)
hap=$!
wait_port 17302; wait_port 17102
rate 127.0.0.1:17302 20 16 > /dev/null
rate 127.0.0.1:17102 20 16 > /dev/null
for rep in $(seq 1 "$REPS"); do
  n=$(( rep % 2 + 1 ))
  # lb-tcp: the file changes at 10 s, then SIGHUP.
  ( sleep 10; lb_conf $n; kill -HUP $lb ) &
  change=$!
  rate 127.0.0.1:17302 20 16 > "$work/lb-reload-$rep.txt"
  wait $change
  grep -q "reload done" "$work/lb.log" || { echo "lb-tcp did not reload:"; tail "$work/lb.log"; exit 1; }
  printf 'lb-tcp  reload %d (%d backend(s)): ' "$rep" "$n"; before_after "$work/lb-reload-$rep.txt"
  ( sleep 10; haproxy_conf $n; kill -USR2 $hap ) &
  change=$!
  rate 127.0.0.1:17102 20 16 > "$work/haproxy-reload-$rep.txt"
  wait $change
  printf 'HAProxy reload %d (%d backend(s)): ' "$rep" "$n"; before_after "$work/haproxy-reload-$rep.txt"
done
echo "lb-tcp reloads done: $(grep -c 'reload done' "$work/lb.log"), refused: $(grep -c 'reload refused' "$work/lb.log" || true)"
grep -E 'reload asked by SIGHUP|reload done' "$work/lb.log" | python3 -c '
import sys, datetime
t = [datetime.datetime.fromisoformat(l.split()[0].rstrip("Z")) for l in sys.stdin]
print("lb-tcp reload times, SIGHUP to done, ms:", " ".join(str(round((b - a).total_seconds() * 1000)) for a, b in zip(t[0::2], t[1::2])))'
kill $lb $hap; wait $lb $hap 2>/dev/null || true
fi

echo "== 2. cold start: new connections/s in each of the first 60 s after a start"
lb_conf 1
haproxy_conf 1
# The client warms its own JIT on the backend first; the proxy starts once it has, and its first
# second is counted from the first connection it accepts.
cold() {
  rate "127.0.0.1:$1" 60 16 127.0.0.1:16001 10 > "$work/$2-cold.txt" 2> "$work/$2-cold.err" &
  local client=$!
  until grep -q warm "$work/$2-cold.err"; do sleep 0.05; done
  shift 2
  "$@" > "$work/cold.log" 2>&1 &
  local proxy=$!
  pids+=($proxy)
  wait $client
  kill $proxy; wait $proxy 2>/dev/null || true
}
cold 17302 lb java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb.conf"
cold 17102 haproxy haproxy -W -db -f "$work/haproxy.cfg"
echo "second  lb-tcp  HAProxy  ratio"
paste "$work/lb-cold.txt" "$work/haproxy-cold.txt" | awk '!/#/ { printf "%6d %7d %8d  %.2f\n", $1, $2, $5, $5 ? $2 / $5 : 0 }'
grep -h '^#' "$work/lb-cold.txt" "$work/haproxy-cold.txt" || true
echo "failed: lb-tcp $(awk '!/#/ {f += $3} END {print f}' "$work/lb-cold.txt"), HAProxy $(awk '!/#/ {f += $3} END {print f}' "$work/haproxy-cold.txt")"
