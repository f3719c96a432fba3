#!/usr/bin/env bash
# The demo: build lb-tcp.jar and validate the example configuration, as an operator would with
# `nginx -t`. (It grows into a live three-backend demo with the data plane.)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
jar=lb-tcp/target/lb-tcp.jar
java -jar "$jar" --version
java -jar "$jar" --check examples/single.conf
bad=$(mktemp --suffix=.conf)
trap 'rm -f "$bad"' EXIT
cat > "$bad" <<'CONF'
services.web {
  listen = ["0.0.0.0:8080"]
  strategy = ip-hsh
  servers = [ { address = "127.0.0.1:9001", wieght = 5 }, "127.0.0.1:9001" ]
}
CONF
echo "--- a config with mistakes:"
java -jar "$jar" --check "$bad" || echo "(exit $?: nothing would start)"
