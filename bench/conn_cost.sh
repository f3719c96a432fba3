#!/usr/bin/env bash
# What one new connection costs lb-tcp and HAProxy: CPU microseconds (user and system, from
# /proc/PID/stat around a wrk run with "Connection: close") and, when strace is installed, the
# system calls per connection by name. Loopback only; stops everything it starts.
#
#   bench/conn_cost.sh [ROUNDS]      (default 2)
#   KEEPALIVE=1 bench/conn_cost.sh   the same per request on keep-alive connections
#   LB_EXTRA='event-loops = 4' bench/conn_cost.sh   lines added to lb-tcp's configuration
#
# Needs: java 17, haproxy, nginx, wrk; strace optional. Uses lb-tcp/target/lb-tcp.jar
# (LB_JAR overrides it, e.g. to compare two builds) and the README's JVM flags (LB_JAVA_OPTS).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
JAR=${LB_JAR:-lb-tcp/target/lb-tcp.jar}
work=$(mktemp -d /tmp/l4lb-conncost.XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
[ -f "$JAR" ] || mvn -B -q -DskipTests package

. bench/peers.sh
http_backend_conf "$work" 16401 > "$work/backend.conf"
nginx -c "$work/backend.conf" -p "$work" & pids+=($!)
{ haproxy_head; cat <<CONF
frontend f
  bind 127.0.0.1:16402
  default_backend b
backend b
  server s 127.0.0.1:16401
CONF
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)
haproxy_pid=$!
cat > "$work/lb.conf" <<CONF
admin.listen = "127.0.0.1:16490"
service-defaults.health-check.type = none
service-defaults.access-log = false
services.http { listen = ["127.0.0.1:16403"], servers = ["127.0.0.1:16401"] }
${LB_EXTRA:-}
CONF
java ${LB_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmn6m -Xmx1g -Xss256k -XX:-TieredCompilation -XX:PerMethodTrapLimit=0 -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=1g -XX:TrimNativeHeapInterval=5000 -Dio.netty.leakDetection.level=disabled} \
  -jar "$JAR" "$work/lb.conf" > "$work/lb.log" 2>&1 & pids+=($!)
lb_pid=$!
sleep 3

# The JVM compiles its hot paths under load first; HAProxy gets the same.
for port in 16403 16402; do wrk -t2 -c50 -d10s -H "Connection: close" "http://127.0.0.1:$port/" >/dev/null; done

# Connection: close by default: one request per connection, so per request is per connection.
hdr=(-H "Connection: close"); unit=conn
if [ "${KEEPALIVE:-0}" = 1 ]; then hdr=(-H "X-Keep: alive"); unit=req; fi
ticks() { awk -v f="$2" '{print $f}' "/proc/$1/stat"; } # field 14 user, 15 system, in 1/100 s
hz=$(getconf CLK_TCK)
printf '%-8s %10s %14s %10s %10s\n' proxy "${unit}s/s" "us/$unit" "user" "system"
for _ in $(seq 1 "$ROUNDS"); do
  for t in $(printf '%s\n' lb-tcp haproxy | shuf); do
    if [ "$t" = lb-tcp ]; then p=$lb_pid; port=16403; else p=$haproxy_pid; port=16402; fi
    u0=$(ticks "$p" 14); s0=$(ticks "$p" 15)
    n=$(wrk -t2 -c50 -d8s "${hdr[@]}" "http://127.0.0.1:$port/" | awk '/requests in/ {print $1}')
    u1=$(ticks "$p" 14); s1=$(ticks "$p" 15)
    python3 -c "
n, hz = $n, $hz
u, s = ($u1 - $u0) * 1e6 / hz / n, ($s1 - $s0) * 1e6 / hz / n
print(f'{\"$t\":<8} {n / 8:>10,.0f} {u + s:>14.1f} {u:>10.1f} {s:>10.1f}')"
  done
done

if command -v strace >/dev/null 2>&1; then
  for t in lb-tcp haproxy; do
    if [ "$t" = lb-tcp ]; then p=$lb_pid; port=16403; else p=$haproxy_pid; port=16402; fi
    timeout 8 strace -f -c -p "$p" -o "$work/$t.strace" 2>/dev/null & spid=$!
    sleep 1
    n=$(wrk -t2 -c20 -d5s "${hdr[@]}" "http://127.0.0.1:$port/" | awk '/requests in/ {print $1}')
    wait $spid || true
    echo "$t: system calls per $unit (strace -c over $n ${unit}s; blocking waits excluded)"
    awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $NF != "syscall" && $NF != "total" && $NF != "futex" && $NF != "restart_syscall" {
        printf "  %-16s %5.1f\n", $NF, $4 / n }' "$work/$t.strace" | sort -k2 -rn | head -14
  done
fi
