#!/usr/bin/env bash
# The demo: build lb-tcp.jar, start three demo backends (weights 3, 2, 1 in single.conf) and the
# balancer, send 60 connections, show where they landed, and stop everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building lb-tcp.jar"
mvn -B -q -DskipTests package
jar=lb-tcp/target/lb-tcp.jar
java -jar "$jar" --check examples/single.conf

pids=()
log=$(mktemp -d)/l4lb-demo.log
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$(dirname "$log")"
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for b in a:9001 b:9002 c:9003; do
  java examples/DemoBackend.java "backend-${b%%:*}" "${b##*:}" > /dev/null &
  pids+=($!)
done
# Every backend first: a server the first health check finds closed is out for fail-timeout
# (10 s), and the split would show it.
for _ in $(seq 1 150); do
  if port_open 9001 && port_open 9002 && port_open 9003; then break; fi
  sleep 0.2
done
java -jar "$jar" examples/single.conf > "$log" 2>&1 &
lb=$!
pids+=($lb)

# Ready when the admin API says all three servers are eligible (no demo session is spent on it).
for _ in $(seq 1 150); do
  eligible=$(curl -s http://127.0.0.1:9090/metrics | grep -c '^l4lb_server_eligible{.*} 1' || true)
  if [ "$eligible" = 3 ]; then break; fi
  sleep 0.2
done

echo "== 60 connections to 127.0.0.1:8000 (weights 3:2:1)"
for _ in $(seq 1 60); do
  timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8000; cat <&3'
done | sort | uniq -c

echo "== one line of GET http://127.0.0.1:9090/metrics per server"
curl -s http://127.0.0.1:9090/metrics | grep '^l4lb_server_sessions_total' || true

echo "== stopping the balancer with SIGTERM (it drains, then exits 0)"
kill -TERM "$lb"
wait "$lb" && echo "exit code 0"
echo "== the start of its log (start-up summary, then one access line per session)"
head -3 "$log"
