#!/bin/bash
# The drill client: starts a new connection to TARGET every 20 ms, each on its own (like a stream
# of independent users: one that hangs does not delay the next), and prints one line per attempt,
# stamped with its start:
#   <epoch ms> OK <reply>    or    <epoch ms> FAIL
# An attempt fails when it is refused or reset, is not accepted within 100 ms (a connect on this
# bridge takes well under 1 ms) or gives no reply within 500 ms. Lines come out in completion
# order: sort them by the stamp.
target=${TARGET:-10.99.1.100:80}
attempt() {
  local t reply
  t=$(date +%s%3N)
  if reply=$(timeout 2 socat -T 0.5 -u "TCP:$target,connect-timeout=0.1" STDOUT 2>/dev/null) && [ -n "$reply" ]; then
    echo "$t OK $reply"
  else
    echo "$t FAIL"
  fi
}
while :; do
  attempt &
  sleep 0.02
done
