#!/usr/bin/env python3
"""Opens N idle TCP connections to HOST:PORT (HOST 127.0.0.1 unless given), prints 'ready N', holds them SECONDS, exits."""
import resource
import socket
import sys
import time

port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
host = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = []
for i in range(n):
    try:
        socks.append(socket.create_connection((host, port), timeout=5))
    except OSError as e:
        print(f"stopped at {i}: {e}", file=sys.stderr)
        break
print(f"ready {len(socks)}", flush=True)
time.sleep(hold)
