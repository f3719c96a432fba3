#!/usr/bin/env bash
# New connections on a busy machine, lb-tcp against HAProxy, in one run. Loopback only; it stops
# everything it starts.
#
#   bench/busy.sh [SECONDS]    (default 20 per proxy and state)
#
# A client starts a connection every 20 ms, each on its own thread (the netns drill's client,
# DrillClient: fails when not accepted in 300 ms or not answered in 500 ms), through each proxy to
# one backend that answers a line and closes; first on a quiet machine, then with every core
# saturated by `stress-ng --cpu N` at the normal priority, the proxies in turn. Prints, per proxy
# and state, the failed connections and the connect-to-answer time (median, 99th percentile,
# slowest), and lb-tcp's figures as ratios of HAProxy's. lb-tcp runs with the README's JVM flags.
#
# Needs: java 17, maven, haproxy, stress-ng.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-20}
. bench/peers.sh
bench_workdir /tmp/l4lb-busy

[ -f lb-tcp/target/lb-tcp.jar ] || mvn -B -q -DskipTests package
[ -f lb-tcp/target/test-classes/org/l4lb/drillkit/DrillClient.class ] || mvn -B -q -DskipTests test-compile -pl lb-tcp -am
kit=lb-tcp/target/test-classes
lb_java_opts="-XX:+UseSerialGC -Xms32m -Xmn6m -Xmx1g -Xss256k -XX:-TieredCompilation -XX:PerMethodTrapLimit=0 -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=1g -XX:TrimNativeHeapInterval=5000 -Dio.netty.leakDetection.level=disabled -XX:+ExitOnOutOfMemoryError"

java -XX:+UseSerialGC -cp "$kit" org.l4lb.drillkit.DrillBackend 17100 > "$work/backend.out" 2>&1 & pids+=($!)

{ haproxy_head; cat <<CONF
frontend f
  bind 127.0.0.1:17101
  default_backend b
backend b
  server s1 127.0.0.1:17100
CONF
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" > "$work/haproxy.out" 2>&1 & pids+=($!)

cat > "$work/lb.conf" <<CONF
admin.listen = "127.0.0.1:17190"
services.web { listen = ["127.0.0.1:17102"], servers = ["127.0.0.1:17100"], access-log = false }
CONF
java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb.conf" > "$work/lb.out" 2>&1 & pids+=($!)
for port in 17100 17101 17102; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

# run NAME PORT STATE: one client run; prints "NAME STATE failed p50 p99 max" (ms).
run() {
  local out="$work/$1-$3.out"
  java -XX:+UseSerialGC -cp "$kit" org.l4lb.drillkit.DrillClient 127.0.0.1 "$2" 20 $((SECONDS_EACH * 1000)) > "$out"
  local failed
  failed=$(awk '$3 == "FAIL"' "$out" | wc -l)
  awk '$3 == "OK" { print $2 - $1 }' "$out" | sort -n | awk -v name="$1" -v state="$3" -v f="$failed" '
    { t[++n] = $1 } END { printf "%s %s %d %d %d %d %d\n", name, state, f, n, t[int(n * 0.5) + 1], t[int(n * 0.99) + 1], t[n] }' 
}

# Warm both (the JIT, HAProxy's first connections) before measuring.
java -XX:+UseSerialGC -cp "$kit" org.l4lb.drillkit.DrillClient 127.0.0.1 17102 2 5000 > /dev/null
java -XX:+UseSerialGC -cp "$kit" org.l4lb.drillkit.DrillClient 127.0.0.1 17101 2 5000 > /dev/null

results=()
for state in quiet saturated; do
  for proxy in haproxy:17101 lb-tcp:17102; do
    hog=
    if [ "$state" = saturated ]; then
      stress-ng --cpu "$(nproc)" --timeout $((SECONDS_EACH + 10))s --quiet & hog=$!
      sleep 2
    fi
    results+=("$(run "${proxy%%:*}" "${proxy##*:}" "$state")")
    if [ -n "$hog" ]; then kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true; fi
  done
done

echo "| proxy | machine | failed | served | median ms | p99 ms | slowest ms |"
echo "|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  set -- $r
  echo "| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"
done
for state in quiet saturated; do
  h=$(printf '%s\n' "${results[@]}" | awk -v s=$state '$1 == "haproxy" && $2 == s')
  l=$(printf '%s\n' "${results[@]}" | awk -v s=$state '$1 == "lb-tcp" && $2 == s')
  echo "$h $l" | awk '{ printf "%s: lb-tcp / HAProxy: median %.2fx, p99 %.2fx, slowest %.2fx; failed %d against %d\n", $2, ($12 ? $12 : 1) / ($5 ? $5 : 1), ($13 ? $13 : 1) / ($6 ? $6 : 1), ($14 ? $14 : 1) / ($7 ? $7 : 1), $10, $3 }'
done
