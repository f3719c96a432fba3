#!/usr/bin/env bash
# Reloads both nodes of the compose pair after an edit of docker/conf/ (mounted read-only on both,
# so they read the same files): each node's file is checked in its own container first, and
# nothing is reloaded unless both pass; then SIGHUP goes to node2 (the standby), then to node1.
# Prints what each node logged of its reload; exits 1 if one did not reload.
#   docker/reload.sh        (COMPOSE_PROJECT_NAME: the pair's project, default l4lb-drill as drill.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=${COMPOSE_PROJECT_NAME:-l4lb-drill}
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
dc() { "${compose[@]}" -p "$project" -f "$here/docker-compose.yml" "$@"; }

for n in node1 node2; do
  dc exec -T "$n" java -jar /opt/l4lb/lb-tcp.jar --check "/etc/l4lb/$n.conf"
done
for n in node2 node1; do
  c=$(dc ps -q "$n")
  lines=$(docker logs "$c" 2>&1 | wc -l)
  docker kill -s HUP "$c" >/dev/null
  since=""
  for _ in $(seq 1 50); do
    since=$(docker logs "$c" 2>&1 | tail -n +$((lines + 1)))
    case $since in *"reload done"*|*"reload refused"*) break ;; esac
    sleep 0.2
  done
  echo "== $n"
  printf '%s\n' "$since" | grep -E 'Operations: reload' | sed 's/^[^ ]* //' || true
  case $since in
    *"reload done"*) ;;
    *) echo "$n did not reload (see its log); stopping here" >&2; exit 1 ;;
  esac
done
