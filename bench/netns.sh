#!/usr/bin/env bash
# Measures the paths through a node that routes, in network namespaces over veth: a client, the
# LB node, a server, each in its own namespace (loopback would flatter kernel forwarding, which is
# routing). Targets, interleaved in one run so noise hits each alike: direct (the node routes, no
# proxy, no NAT), HAProxy (mode tcp, splice), nginx stream, lb-tcp's proxy and lb-tcp's kernel
# forwarding, with nat = full (nftables DNAT and masquerade, the default) and nat = destination
# (DNAT; the server routes through the node). Each target reaches the HTTP server on a port of its
# own: the node's conntrack table is shared, and a closed flow's entry (TIME_WAIT, 120 s) would
# clash with another target's new flow of the same addresses and ports. Needs root; uses 10.99.20.0/24
# (client side) and 10.99.21.0/24 (server side); removes its namespaces and ends what it started.
#
#   bench/netns.sh [REPS]      (default 1; prints a table, writes bench/results-netns.json)
#
# Needs: java 17, maven, haproxy, nginx (+ libnginx-mod-stream), iperf3, wrk, python3, nft, conntrack.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-1}
IDLE=${IDLE_CONNECTIONS:-9000}
. bench/peers.sh
bench_workdir /tmp/l4lb-netns
P=l4b$(( $$ % 10000 ))
C=${P}c L=${P}l S=${P}s
LB=10.99.20.1 SRV=10.99.21.2
ct_max=$(sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null || echo 262144)
ct_buckets=$(cat /sys/module/nf_conntrack/parameters/hashsize 2>/dev/null || echo 262144)
cleanup_netns() {
  cp "$work/lb.log" /tmp/l4lb-netns-lb.log 2>/dev/null || true
  bench_cleanup
  for n in $C $L $S; do ip netns del "$n" 2>/dev/null || true; done
  sysctl -qw net.netfilter.nf_conntrack_max="$ct_max" || true
  echo "$ct_buckets" > /sys/module/nf_conntrack/parameters/hashsize 2>/dev/null || true
}
trap cleanup_netns EXIT
for n in $C $L $S; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n $C link add eth0 type veth peer name eth0 netns $L
ip -n $L link add eth1 type veth peer name eth0 netns $S
ip -n $C addr add 10.99.20.2/24 dev eth0; ip -n $C link set eth0 up; ip -n $C route add default via $LB
ip -n $L addr add $LB/24 dev eth0; ip -n $L link set eth0 up
ip -n $L addr add 10.99.21.1/24 dev eth1; ip -n $L link set eth1 up
ip -n $S addr add $SRV/24 dev eth0; ip -n $S link set eth0 up; ip -n $S route add default via 10.99.21.1
ip netns exec $L sysctl -qw net.ipv4.ip_forward=1
# The node tracks every flow through it (the kernel path's NAT loads conntrack there, for the
# proxies' flows too), and a closed flow's entry stays 120 s (TIME_WAIT): at these rates the
# default table (262,144 entries on this box) fills within seconds and drops new flows. As an
# operator of a kernel-forwarding node would, the run sizes it (restored on exit).
sysctl -qw net.netfilter.nf_conntrack_max=4194304
echo 1048576 > /sys/module/nf_conntrack/parameters/hashsize
# In the foreground only: what runs in the background is started with ip netns exec itself, which
# becomes the program, so that $! is the program's pid (for RSS, and to end it).
inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

[ -f lb-tcp/target/lb-tcp.jar ] || mvn -B -q -DskipTests package

# --- the server: iperf3 and nginx HTTP answering 1 KiB ----------------------------------------------
ip netns exec $S iperf3 -s -p 15201 >/dev/null 2>&1 & pids+=($!)
http_backend_conf "$work" 16001 $SRV "16101 16201 16301 16501 16601" > "$work/backend.conf"
ip netns exec $S nginx -c "$work/backend.conf" -p "$work" & pids+=($!)

# --- the node: each proxy listens on :X01 (to iperf3) and :X02 (to the HTTP server) ----------------
{ haproxy_head; cat <<CONF
frontend fi
  bind $LB:17101
  default_backend bi
frontend fh
  bind $LB:17102
  default_backend bh
backend bi
  server s $SRV:15201
backend bh
  server s $SRV:16101
CONF
} > "$work/haproxy.cfg"
ip netns exec $L haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)
haproxy_pid=$!

nginx_stream_conf "$work" > "$work/nginx.conf" <<CONF
  server { listen $LB:17201 backlog=4096; proxy_pass $SRV:15201; }
  server { listen $LB:17202 backlog=4096; proxy_pass $SRV:16201; }
CONF
ip netns exec $L nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
nginx_pid=$!

{ lb_conf_head 127.0.0.1:17390; cat <<CONF
services.iperf { listen = ["$LB:17301"], servers = ["$SRV:15201"] }
services.http { listen = ["$LB:17302"], servers = ["$SRV:16301"] }
services.kiperf { listen = ["$LB:17501"], forwarding = kernel, servers = ["$SRV:15201"] }
services.khttp { listen = ["$LB:17502"], forwarding = kernel, servers = ["$SRV:16501"] }
services.kdiperf { listen = ["$LB:17601"], forwarding = kernel, nat = destination, servers = ["$SRV:15201"] }
services.kdhttp { listen = ["$LB:17602"], forwarding = kernel, nat = destination, servers = ["$SRV:16601"] }
CONF
} > "$work/lb.conf"
ip netns exec $L java $lb_java_opts -jar lb-tcp/target/lb-tcp.jar "$work/lb.conf" > "$work/lb.log" 2>&1 & pids+=($!)
lb_pid=$!
sleep 5
inns $L nft list table ip l4lb >/dev/null || { echo "lb-tcp did not install its kernel table:" >&2; tail -5 "$work/lb.log" >&2; exit 1; }

host() { case $1 in direct) echo $SRV;; *) echo $LB;; esac; }
port() { case $1 in direct) echo $(( $2 == 1 ? 15201 : 16001 ));; haproxy) echo 1710$2;; nginx) echo 1720$2;; lb-tcp) echo 1730$2;; lb-kernel) echo 1750$2;; lb-kernel-dnat) echo 1760$2;; esac; }
url() { echo "http://$(host $1):$(port $1 2)/"; }
# The kernel's memory for its flows: conntrack entries' slab (shared by every namespace; nothing
# else here opens flows while it is read).
conntrack_kib() { awk '$1=="nf_conntrack" {print int($3 * $4 / 1024)}' /proc/slabinfo; }
pid_of() { case $1 in haproxy) echo $haproxy_pid;; nginx) echo $nginx_pid;; lb-tcp) echo $lb_pid;; esac; }

targets=(direct haproxy nginx lb-tcp lb-kernel lb-kernel-dnat)
results="$work/results.txt"
for t in "${targets[@]}"; do
  inns $C wrk -t2 -c50 -d10s "$(url $t)" >/dev/null 2>&1 || true
  inns $C wrk -t2 -c50 -d10s -H "Connection: close" "$(url $t)" >/dev/null 2>&1 || true
done

for rep in $(seq 1 "$REPS"); do
  order=($(printf '%s\n' "${targets[@]}" | shuf))
  echo "round $rep: ${order[*]}" >&2
  for t in "${order[@]}"; do
    for N in 1 4; do
      g=$(inns $C iperf3 -c "$(host $t)" -p "$(port $t 1)" -t 5 -P $N -J 2>/dev/null | iperf_gbits "$t")
      echo "$rep $t iperf_P$N $g" >> "$results"
    done
    out=$(inns $C wrk -t2 -c50 -d8s --latency "$(url $t)")
    echo "$rep $t keepalive_rps $(echo "$out" | awk '/Requests\/sec/ {print $2}')" >> "$results"
    echo "$rep $t keepalive_p50_ms $(echo "$out" | awk '$1=="50%" {print $2}')" >> "$results"
    echo "$rep $t keepalive_p99_ms $(echo "$out" | awk '$1=="99%" {print $2}')" >> "$results"
    out=$(inns $C wrk -t2 -c50 -d8s -H "Connection: close" "$(url $t)")
    echo "$rep $t newconn_per_s $(echo "$out" | awk '/Requests\/sec/ {print $2}')" >> "$results"
  done
done

# memory with IDLE idle connections (held 18 s, read at 14 s, extrapolated to 10,000): each
# proxy's RSS; for the kernel path, lb-tcp's RSS (no process is in the path) and the conntrack slab.
to_10k() { python3 -c "print(($2-$1)*10000/max(1,$3)/1024)"; }
sleep 130 # the closed flows' conntrack entries (TIME_WAIT, 120 s) go first
for t in haproxy nginx lb-tcp lb-kernel lb-kernel-dnat; do
  case $t in lb-kernel*) p=$(pid_of lb-tcp);; *) p=$(pid_of $t);; esac
  idle=$(rss_kib "$p"); ct=$(conntrack_kib)
  ip netns exec $C python3 bench/idle_clients.py "$(port $t 2)" "$IDLE" 18 "$(host $t)" > "$work/idle.out" 2>&1 &
  cpid=$!
  for _ in $(seq 1 60); do grep -q ready "$work/idle.out" && break; sleep 0.5; done
  held=$(awk '/ready/ {print $2}' "$work/idle.out")
  sleep 14
  busy=$(rss_kib "$p"); ct_busy=$(conntrack_kib)
  wait $cpid || true
  # The kernel targets' flows are held by no process: lb-tcp's RSS is the control plane's (and the
  # proxy target's), not theirs.
  case $t in lb-kernel*) ;; *)
    echo "1 $t rss_10k_mib $(python3 -c "print(($idle + ($busy-$idle)*10000/max(1,${held:-0}))/1024)")" >> "$results";;
  esac
  echo "1 $t conntrack_10k_mib $(to_10k "$ct" "$ct_busy" "${held:-0}")" >> "$results"
  echo "1 $t idle_connections_held ${held:-0}" >> "$results"
  sleep 5
done

grep idle_connections_held "$results" >&2
python3 bench/report.py "$results" bench/results-netns.json
