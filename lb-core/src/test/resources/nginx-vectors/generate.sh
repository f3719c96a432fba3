#!/usr/bin/env bash
# Derives the strategy test vectors from a real nginx (Debian's nginx + libnginx-mod-stream):
# four backends that answer with their name, then
#   :18001  http   upstream with ip_hash                       (nginx ip_hash)
#   :18002  stream upstream with hash $remote_addr consistent  (ketama)
#   :18003  stream upstream with hash $remote_addr             (modular, Cache::Memcached)
#   :18004-18006  the same three with server a marked down, which exercises each rehash path
# each with weights a=3 b=1 c=2 d=1, and curl from many 127.x.y.z source addresses records where
# nginx sends each client. Loopback only; everything it starts it stops.
# Usage: generate.sh > vectors.csv     (columns: strategy,client,server; generated with nginx 1.22.1)
set -euo pipefail
dir=$(mktemp -d)
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT
modules=/usr/lib/nginx/modules
cat > "$dir/nginx.conf" <<CONF
load_module $modules/ngx_stream_module.so;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:19001; return 200 "a"; }
  server { listen 127.0.0.1:19002; return 200 "b"; }
  server { listen 127.0.0.1:19003; return 200 "c"; }
  server { listen 127.0.0.1:19004; return 200 "d"; }
  upstream iphash {
    ip_hash;
    server 127.0.0.1:19001 weight=3;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  upstream iphash_down {
    ip_hash;
    server 127.0.0.1:19001 weight=3 down;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  server { listen 127.0.0.1:18001; location / { proxy_pass http://iphash; } }
  server { listen 127.0.0.1:18004; location / { proxy_pass http://iphash_down; } }
}
stream {
  upstream chash {
    hash \$remote_addr consistent;
    server 127.0.0.1:19001 weight=3;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  upstream mhash {
    hash \$remote_addr;
    server 127.0.0.1:19001 weight=3;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  upstream chash_down {
    hash \$remote_addr consistent;
    server 127.0.0.1:19001 weight=3 down;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  upstream mhash_down {
    hash \$remote_addr;
    server 127.0.0.1:19001 weight=3 down;
    server 127.0.0.1:19002 weight=1;
    server 127.0.0.1:19003 weight=2;
    server 127.0.0.1:19004 weight=1;
  }
  server { listen 127.0.0.1:18002; proxy_pass chash; }
  server { listen 127.0.0.1:18005; proxy_pass chash_down; }
  server { listen 127.0.0.1:18006; proxy_pass mhash_down; }
  server { listen 127.0.0.1:18003; proxy_pass mhash; }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"
sleep 0.5
echo "strategy,client,server"
for i in $(seq 0 59); do
  client="127.$(( (i * 37 + 11) % 256 )).$(( (i * 101 + 7) % 256 )).$(( (i * 13 + 1) % 254 + 1 ))"
  for pair in ip-hash:18001 consistent-hash:18002 modular-hash:18003 ip-hash-a-down:18004 consistent-hash-a-down:18005 modular-hash-a-down:18006; do
    name=${pair%%:*}; port=${pair##*:}
    server=$(curl -s --max-time 2 --interface "$client" "http://127.0.0.1:$port/")
    echo "$name,$client,$server"
  done
done
