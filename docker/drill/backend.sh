#!/bin/sh
# A drill backend: answers each connection with its own name and the address of the LB node that
# connected to it, so the client sees which node served it.
exec socat TCP-LISTEN:8080,fork,reuseaddr,backlog=1024 SYSTEM:'echo "${BACKEND_NAME:-backend} via $SOCAT_PEERADDR"'
