#!/usr/bin/env bash
# Failover drill on the compose pair (docker-compose.yml). The client opens a new connection to the
# VIP every 20 ms; for each fault this script faults the master, measures, restores the node, lets
# it fail back (node1 has the higher priority and preempts) and checks that one node holds the VIP.
#
#   docker/drill.sh [kill|pause|disconnect|stop]...     (default: all four, in that order)
#
# kill = SIGKILL, pause = frozen (cgroup freezer, like SIGSTOP), disconnect = cable pulled (the
# container leaves the network), stop = graceful stop (SIGTERM: hand over, then drain).
# Env: BASE_IMAGE  image to build on (default eclipse-temurin:17-jre; any Debian/Ubuntu image)
#      SETTLE      seconds to watch after a fault and after a restore (default 8)
#      KEEP=1      leave the pair running afterwards; take it down with
#                  docker-compose -p l4lb-drill -f docker/docker-compose.yml down
# Exit status 1 when a check fails: no failover, not exactly one VIP holder once every handoff has
# ended, or a connection failed in a failback.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
project=l4lb-drill
vip=10.99.1.100
settle=${SETTLE:-8}
faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(kill pause disconnect stop)

if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
dc() { "${compose[@]}" -p "$project" -f "$here/docker-compose.yml" "$@"; }
now_ms() { date +%s%3N; }
ctr() { dc ps -q "$1"; }
ip_of() { case $1 in node1) echo 10.99.1.11 ;; node2) echo 10.99.1.12 ;; esac; }
other() { [ "$1" = node1 ] && echo node2 || echo node1; }
# Holding the VIP for the network: having it and answering ARP for it. A node handing its open
# connections off keeps it quietly (its ARP for it dropped by nft) until they end.
holds_vip() {
  docker exec "$(ctr "$1")" ip -o -4 addr show 2>/dev/null | grep -q " $vip/" &&
    ! docker exec "$(ctr "$1")" nft list table arp l4lb_handoff >/dev/null 2>&1
}
holders() { local h=(); for n in node1 node2; do if holds_vip "$n"; then h+=("$n"); fi; done; echo "${h[*]:-none}"; }

# Client lines "<start ms> <end ms> OK|FAIL ..." started in [from, to): the clients' gap runs from
# the last success before the first failure in the window to the first success after its last
# failure (0 when nothing failed), as the netns drill counts it; the failed connections in it.
measure() {
  docker logs "$(ctr client)" 2>/dev/null | sort -n | awk -v from="$1" -v to="$2" '
    $1 < to && $3 == "OK" && !fails { last = $1 }
    $1 >= from && $1 < to && $3 != "OK" { fails++; if (!firstfail) firstfail = $1; recovered = 0 }
    $1 >= from && $1 < to && $3 == "OK" && fails && !recovered { recovered = $1 }
    END { if (!fails) printf "outage=0.00s fails=0"
          else if (!recovered) printf "outage=unrecovered fails=%d", fails
          else printf "outage=%.2fs fails=%d", (recovered - (last ? last : firstfail)) / 1000, fails }'
}
# Failed client connections started in [from, to).
failed() {
  docker logs "$(ctr client)" 2>/dev/null | awk -v from="$1" -v to="$2" '$1 >= from && $1 < to && $3 != "OK"' | wc -l
}
# Waits until no node hands connections off any more (it keeps the VIP quietly until its open
# connections end, up to flow-handoff-timeout), so that who holds the VIP can be judged.
await_handoffs() {
  for _ in $(seq 1 70); do
    local busy=0
    for n in node1 node2; do
      docker exec "$(ctr "$n")" nft list table arp l4lb_handoff >/dev/null 2>&1 && busy=1
    done
    [ $busy = 0 ] && return 0
    sleep 1
  done
}

cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "the pair runs on (KEEP=1); take it down with: ${compose[*]} -p $project -f $here/docker-compose.yml down"
  else
    dc down -t 5 >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# The images build on BASE_IMAGE: where no registry is reachable it must be here already.
base=${BASE_IMAGE:-eclipse-temurin:17-jre}
if ! docker image inspect "$base" >/dev/null 2>&1 && ! docker pull -q "$base" >/dev/null 2>&1; then
  echo "drill.sh: cannot get the base image $base (is a registry reachable?). Any Debian or Ubuntu image" >&2
  echo "works; to make one here (as root, with debootstrap installed):" >&2
  echo "  debootstrap --variant=minbase bookworm /tmp/base && tar -C /tmp/base -c . | docker import - l4lb-base:bookworm" >&2
  echo "  BASE_IMAGE=l4lb-base:bookworm docker/drill.sh" >&2
  exit 2
fi

# The images take the jar and the drill kit (compiled with the tests, which -DskipTests still does).
if [ ! -f "$root/lb-tcp/target/lb-tcp.jar" ] || [ ! -f "$root/lb-tcp/target/test-classes/org/l4lb/drillkit/DrillClient.class" ]; then
  (cd "$root" && mvn -B -q package -DskipTests)
fi
dc build -q 2>/dev/null || dc build
dc up -d
# The node's latest HA line matching a pattern: its view, its last transition.
last_ha() { docker logs "$(ctr "$1")" 2>/dev/null | grep -E " HA: $2" | tail -1; }
pair_formed() {
  last_ha node1 "view " | grep -q "(2)" && last_ha node2 "view " | grep -q "(2)" &&
    last_ha node1 "[A-Z]+ -> [A-Z]+ " | grep -q -- "-> MASTER" &&
    last_ha node2 "[A-Z]+ -> [A-Z]+ " | grep -q -- "-> BACKUP" && [ "$(holders)" = node1 ]
}
await_pair() {
  for _ in $(seq 1 60); do
    if pair_formed && docker logs "$(ctr client)" 2>/dev/null | tail -1 | grep -q " OK "; then sleep 2; return 0; fi
    sleep 1
  done
  echo "the pair did not form within 60 s (VIP on: $(holders))"; dc logs --tail 40 node1 node2; exit 1
}
echo "waiting for the pair to form (node1 master, node2 backup) and the client to get through..."
await_pair

status=0
for fault in "${faults[@]}"; do
  await_pair
  m=$(holders); o=$(other "$m"); id=$(ctr "$m")
  t0=$(now_ms)
  case $fault in
    kill) docker kill -s KILL "$id" >/dev/null ;;
    pause) docker pause "$id" >/dev/null ;;
    disconnect) docker network disconnect "${project}_lbnet" "$id" ;;
    stop) docker stop -t 40 "$id" >/dev/null & ;;
    *) echo "unknown fault $fault (kill|pause|disconnect|stop)"; exit 64 ;;
  esac
  sleep "$settle"; wait
  t1=$(now_ms)
  during=$(holders)
  # The failback is measured from the restore on.
  t_restore=$(now_ms)
  case $fault in
    kill | stop) docker start "$id" >/dev/null ;;
    pause) docker unpause "$id" >/dev/null ;;
    disconnect) docker network connect --ip "$(ip_of "$m")" "${project}_lbnet" "$id" ;;
  esac
  # A restarted node warms its data path up before it joins (ha.warm-up-connections): the
  # failback is judged from its join on, whenever that comes.
  if [ "$fault" = kill ] || [ "$fault" = stop ]; then
    for _ in $(seq 1 60); do
      docker logs --since "$((t_restore / 1000))" "$id" 2>&1 | grep -q "HA: node .* joined group" && break
      sleep 1
    done
  fi
  sleep "$settle"
  await_handoffs
  t2=$(now_ms)
  after=$(holders)
  back_failed=$(failed "$t_restore" "$t2")
  printf '%-10s master %s: %s, VIP on %s | restored: failback %s, VIP on %s\n' "$fault" "$m" \
    "$(measure "$t0" "$t1")" "$during" "$(measure "$t_restore" "$t2")" "$after"
  if [ "$during" != "$o" ] || [ "$after" != node1 ]; then
    echo "  FAILED: expected the VIP on $o during the fault and on node1 alone after it"
    status=1
  fi
  if [ "$back_failed" -gt 0 ]; then
    echo "  FAILED: $back_failed connection(s) failed in the failback (a planned move; 0 expected):"
    docker logs "$(ctr client)" 2>/dev/null | awk -v from="$t_restore" -v to="$t2" '$1 >= from && $1 < to && $3 != "OK"' | sed 's/^/    /'
    for n in node1 node2; do
      docker logs --since "$((t_restore / 1000))" "$(ctr "$n")" 2>&1 | grep -E "HA:|VIP|handoff" | sed "s/^/    $n /"
    done
    status=1
  fi
done
exit $status
