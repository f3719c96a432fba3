#!/usr/bin/env python3
"""Opens N idle TCP connections to 127.0.0.1:PORT, prints 'ready N', holds them SECONDS, exits."""
import resource
import socket
import sys
import time

port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = []
for i in range(n):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        print(f"stopped at {i}: {e}", file=sys.stderr)
        break
print(f"ready {len(socks)}", flush=True)
time.sleep(hold)
