#!/usr/bin/env bash
# Writes a class-data sharing archive for lb-tcp.jar: starts it on a loopback-only configuration
# whose one service proxies to its own admin endpoint, sends it a few hundred connections, and
# stops it; the JVM writes the classes it loaded to the archive as it exits. A node started with
# -XX:SharedArchiveFile=ARCHIVE maps them instead of loading them: its first seconds after a start
# (or a failover to a cold standby) serve more connections (bench/RESULTS.md). The archive fits
# only the java and the jar it was made with: make it again after an upgrade of either.
#
#   docker/cds-archive.sh JAR ARCHIVE [JAVA_OPTS...]
set -eu
jar=$1
archive=$2
shift 2
dir=$(mktemp -d)
cat > "$dir/train.conf" <<CONF
admin.listen = "127.0.0.1:19391"
service-defaults.health-check.type = none
services.train { listen = ["127.0.0.1:19390"], servers = ["127.0.0.1:19391"] }
CONF
java "$@" -XX:ArchiveClassesAtExit="$archive" -jar "$jar" "$dir/train.conf" > "$dir/train.log" 2>&1 &
pid=$!
i=0
until (exec 3<>/dev/tcp/127.0.0.1/19390) 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
i=0
while [ $i -lt 300 ]; do
  (exec 3<>/dev/tcp/127.0.0.1/19390 && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3 > /dev/null) 2>/dev/null || true
  i=$((i + 1))
done
(exec 3<>/dev/tcp/127.0.0.1/19391 && printf 'GET /status HTTP/1.0\r\n\r\n' >&3 && cat <&3 > /dev/null) 2>/dev/null || true
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$dir"
test -s "$archive"
