#!/usr/bin/env bash
# A gray release against demo backends: v1 on three servers; v2 comes and takes 10 %, then half,
# then everything; v1 leaves. Done twice: by editing the file and reloading (SIGHUP, as with
# nginx -s reload), and with ctl and timed weight ramps. Prints each version's share of 100 new
# connections at every step, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building lb-tcp.jar"
mvn -B -q -DskipTests package
jar=lb-tcp/target/lb-tcp.jar
work=$(mktemp -d)
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for b in v1-a:9101 v1-b:9102 v1-c:9103 v2-a:9111; do
  java examples/DemoBackend.java "${b%%:*}" "${b##*:}" > /dev/null &
  pids+=($!)
done

# The file of the first way; $1 the servers.
write_conf() {
  cat > "$work/node.conf" <<EOF
admin { listen = "127.0.0.1:9190", token = "$token" }
services.app {
  listen = ["127.0.0.1:9100"]
  health-check.interval = 500ms
  servers = [
$1
  ]
}
EOF
}
v1_servers='    { address = "127.0.0.1:9101", weight = 3 }
    { address = "127.0.0.1:9102", weight = 3 }
    { address = "127.0.0.1:9103", weight = 3 }'

ctl() { java -jar "$jar" ctl --config "$work/node.conf" "$@"; }

# Each version's share of 100 new connections.
share() {
  for _ in $(seq 1 100); do
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9100; cat <&3' || echo failed
  done | sed 's/-.*//' | sort | uniq -c | awk '{printf "%s %d%%  ", $2, $1} END {print ""}'
}

reload() {
  kill -HUP "$lb"
  local want=$1
  for _ in $(seq 1 100); do
    [ "$(grep -c 'reload done' "$work/lb.log")" -ge "$want" ] && return 0
    grep -q 'reload refused' "$work/lb.log" && { grep 'reload refused' "$work/lb.log"; exit 1; }
    sleep 0.1
  done
  echo "reload did not finish"; exit 1
}

write_conf "$v1_servers"
java -jar "$jar" --check "$work/node.conf"
java -jar "$jar" "$work/node.conf" > "$work/lb.log" 2>&1 &
lb=$!
pids+=($lb)
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/9190) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/9111) 2>/dev/null; then break; fi
  sleep 0.2
done
sleep 1

echo "== 1. by editing the file and reloading (kill -HUP)"
printf '%-34s' "v1 alone:"; share
write_conf "$v1_servers
    { address = \"127.0.0.1:9111\", weight = 1 }"
reload 1
printf '%-34s' "v2 added at weight 1 (of 10):"; share
write_conf '    { address = "127.0.0.1:9101", weight = 1 }
    { address = "127.0.0.1:9102", weight = 1 }
    { address = "127.0.0.1:9103", weight = 1 }
    { address = "127.0.0.1:9111", weight = 3 }'
reload 2
printf '%-34s' "v1 1 each, v2 3 (half):"; share
write_conf '    "127.0.0.1:9111"'
reload 3
printf '%-34s' "v1 removed (its sessions drain):"; share

echo "== 2. with ctl and timed ramps (the file back to v1 alone first)"
write_conf "$v1_servers"
reload 4
printf '%-34s' "v1 alone:"; share
ctl add app 127.0.0.1:9111 weight=0 > /dev/null
ctl weight app 127.0.0.1:9111 1 --ramp 2s > /dev/null
sleep 2.5
printf '%-34s' "v2 ramped 0 -> 1 over 2 s:"; share
ctl weight app 127.0.0.1:9111 9 --ramp 4s > /dev/null
sleep 2
printf '%-34s' "halfway through a ramp to 9:"; share
sleep 2.5
printf '%-34s' "v2 at 9 (half):"; share
for s in 9101 9102 9103; do ctl weight app 127.0.0.1:$s 0 --ramp 3s > /dev/null; done
sleep 3.5
printf '%-34s' "v1 ramped down to 0:"; share
for s in 9101 9102 9103; do ctl remove app 127.0.0.1:$s > /dev/null; done
echo "== ctl status"
ctl status
echo "== what the node logged of the changes"
grep -E 'reload: |admin API from' "$work/lb.log" | sed 's/^[^ ]* //' | head -30
