#!/bin/sh
# A drill backend: answers each connection with its own name and the address of the LB node that
# connected to it ("backend-a via 10.99.1.11"), so the client sees which node served it.
exec java -XX:+UseSerialGC -Xss256k -cp /opt/drill org.l4lb.drillkit.DrillBackend 8080 "${BACKEND_NAME:-backend}"
