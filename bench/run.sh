#!/usr/bin/env bash
# Measures lb-tcp (on its default transport, epoll, and on io_uring) against HAProxy (mode tcp,
# splice), nginx stream and no proxy at all, in one run, interleaved so noise hits every target
# alike. Loopback only; it stops everything it starts. Where io_uring is unavailable its column
# stays empty.
#
#   bench/run.sh [REPS]      (default 3; prints a table, writes bench/results.json)
#
# Needs: java 17, maven, haproxy, nginx (+ libnginx-mod-stream), iperf3, wrk, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
IDLE=${IDLE_CONNECTIONS:-9000}
. bench/peers.sh
bench_workdir /tmp/l4lb-bench

[ -f lb-tcp/target/lb-tcp.jar ] || mvn -B -q -DskipTests package

# --- backends: iperf3 server, nginx HTTP answering 1 KiB -----------------------------------------
iperf3 -s -p 15201 >/dev/null 2>&1 & pids+=($!)
http_backend_conf "$work" 16001 > "$work/backend.conf"
nginx -c "$work/backend.conf" -p "$work" & pids+=($!)

# --- the proxies: each listens on :X01 (to iperf3) and :X02 (to the HTTP backend) ----------------
{ haproxy_head; cat <<CONF
frontend fi
  bind 127.0.0.1:17101
  default_backend bi
frontend fh
  bind 127.0.0.1:17102
  default_backend bh
backend bi
  server s 127.0.0.1:15201
backend bh
  server s 127.0.0.1:16001
CONF
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)
haproxy_pid=$!

nginx_stream_conf "$work" > "$work/nginx.conf" <<CONF
  server { listen 127.0.0.1:17201 backlog=4096; proxy_pass 127.0.0.1:15201; }
  server { listen 127.0.0.1:17202 backlog=4096; proxy_pass 127.0.0.1:16001; }
CONF
nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
nginx_pid=$!

{ lb_conf_head 127.0.0.1:17390; cat <<CONF
services.iperf { listen = ["127.0.0.1:17301"], servers = ["127.0.0.1:15201"] }
services.http { listen = ["127.0.0.1:17302"], servers = ["127.0.0.1:16001"] }
CONF
} > "$work/lb.conf"
java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb.conf" > "$work/lb.log" 2>&1 & pids+=($!)
lb_pid=$!
# The same on io_uring, on ports :1740X.
sed -e 's/173\([0-9][0-9]\)/174\1/g' "$work/lb.conf" > "$work/lb-uring.conf"
echo 'transport = io-uring' >> "$work/lb-uring.conf"
java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb-uring.conf" > "$work/lb-uring.log" 2>&1 & pids+=($!)
uring_pid=$!
sleep 4

port() { case $1 in direct) echo $(( $2 == 1 ? 15201 : 16001 ));; haproxy) echo 1710$2;; nginx) echo 1720$2;; lb-tcp) echo 1730$2;; lb-tcp-uring) echo 1740$2;; esac; }
pid_of() { case $1 in haproxy) echo $haproxy_pid;; nginx) echo $nginx_pid;; lb-tcp) echo $lb_pid;; lb-tcp-uring) echo $uring_pid;; esac; }

targets=(direct haproxy nginx lb-tcp)
proxies=(haproxy nginx lb-tcp)
if kill -0 "$uring_pid" 2>/dev/null; then
  targets+=(lb-tcp-uring); proxies+=(lb-tcp-uring)
else
  echo "lb-tcp on io_uring did not start, left out: $(grep -m1 -e ': transport: ' -e 'cannot start' "$work/lb-uring.log" || tail -1 "$work/lb-uring.log")" >&2
fi
results="$work/results.txt"
# Warm-up, the same for every target: the JVM compiles its hot paths in the first ~20 s of load
# (new connections/s through lb-tcp rose from 2.3k to 4.2k over 24 s when measured cold).
for t in "${targets[@]}"; do
  wrk -t2 -c50 -d10s "http://127.0.0.1:$(port $t 2)/" >/dev/null 2>&1 || true
  wrk -t2 -c50 -d10s -H "Connection: close" "http://127.0.0.1:$(port $t 2)/" >/dev/null 2>&1 || true
done

for rep in $(seq 1 "$REPS"); do
  order=($(printf '%s\n' "${targets[@]}" | shuf))
  echo "round $rep: ${order[*]}" >&2
  for t in "${order[@]}"; do
    for P in 1 4; do
      g=$(iperf3 -c 127.0.0.1 -p "$(port $t 1)" -t 5 -P $P -J 2>/dev/null | iperf_gbits "$t")
      echo "$rep $t iperf_P$P $g" >> "$results"
    done
    out=$(wrk -t2 -c50 -d8s --latency "http://127.0.0.1:$(port $t 2)/")
    echo "$rep $t keepalive_rps $(echo "$out" | awk '/Requests\/sec/ {print $2}')" >> "$results"
    echo "$rep $t keepalive_p50_ms $(echo "$out" | awk '$1=="50%" {print $2}')" >> "$results"
    echo "$rep $t keepalive_p99_ms $(echo "$out" | awk '$1=="99%" {print $2}')" >> "$results"
    out=$(wrk -t2 -c50 -d8s -H "Connection: close" "http://127.0.0.1:$(port $t 2)/")
    echo "$rep $t newconn_per_s $(echo "$out" | awk '/Requests\/sec/ {print $2}')" >> "$results"
  done
done

# memory: idle RSS, then with IDLE idle client connections through each proxy (once). The
# sessions are held 18 s: RSS 3 s after they are all open still carries lb-tcp's JIT compiling
# the paths a burst of accepts takes (its working memory, handed back within ~10 s); RSS at
# 14 s is what holding the sessions costs. Both are reported; the peers do not move between them.
to_10k() { python3 -c "print(($1 + ($2-$1)*10000/max(1,$3))/1024)"; }
for t in "${proxies[@]}"; do
  p=$(pid_of $t)
  idle=$(rss_kib "$p")
  python3 bench/idle_clients.py "$(port $t 2)" "$IDLE" 18 > "$work/idle.out" 2>&1 &
  cpid=$!
  for _ in $(seq 1 60); do grep -q ready "$work/idle.out" && break; sleep 0.5; done
  sleep 3
  held=$(awk '/ready/ {print $2}' "$work/idle.out")
  first=$(rss_kib "$p")
  sleep 11
  busy=$(rss_kib "$p")
  wait $cpid || true
  echo "1 $t rss_idle_mib $(python3 -c "print($idle/1024)")" >> "$results"
  echo "1 $t rss_10k_first_mib $(to_10k "$idle" "$first" "${held:-0}")" >> "$results"
  echo "1 $t rss_10k_mib $(to_10k "$idle" "$busy" "${held:-0}")" >> "$results"
  echo "1 $t idle_connections_held ${held:-0}" >> "$results"
done

grep idle_connections_held "$results" >&2
python3 bench/report.py "$results" bench/results.json
