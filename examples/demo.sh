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
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

for b in a:9001 b:9002 c:9003; do
  java examples/DemoBackend.java "backend-${b%%:*}" "${b##*:}" > /dev/null &
  pids+=($!)
done
java -jar "$jar" examples/single.conf > /tmp/l4lb-demo.log 2>&1 &
lb=$!
pids+=($lb)

# Ready when the admin port and the last backend answer (no demo session is spent on it).
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/9090) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/9003) 2>/dev/null; then break; fi
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
echo "== its log (start-up summary and access log): /tmp/l4lb-demo.log"
head -3 /tmp/l4lb-demo.log
