#!/bin/sh
# The drill client: starts a new connection to TARGET every 20 ms, each on its own thread (like a
# stream of independent users: one that hangs does not delay the next), and prints one line per
# attempt, stamped with its start and end (epoch ms):
#   <start> <end> OK <reply>    or    <start> <end> FAIL <reason>
# An attempt fails when it is refused or reset, is not accepted within 300 ms or gives no reply
# within 500 ms. Lines come out in completion order: sort them by the start.
target=${TARGET:-10.99.1.100:80}
exec java -XX:+UseSerialGC -cp /opt/drill org.l4lb.drillkit.DrillClient "${target%:*}" "${target##*:}" 20
