#!/usr/bin/env bash
# A three-primary Redis Cluster on loopback for tests (no replicas, no
# persistence), made with `redis-cli --cluster create`.
#
#   .ci/redis-cluster.sh up             start (idempotent), wait until the cluster is ok, print the env
#   .ci/redis-cluster.sh env            print TEST_REDIS_CLUSTER_ADDRS
#   .ci/redis-cluster.sh restart PORT   kill -9 one node and start it again (it keeps its
#                                       slots from nodes.conf and loses its data)
#   .ci/redis-cluster.sh down           stop everything, remove the data dir
#
# Ports CLUSTER_PORT..+2 (default 7000-7002).
set -euo pipefail

CLUSTER_PORT="${CLUSTER_PORT:-7000}"
DIR="${REDIS_TOPOLOGY_DIR:-${TMPDIR:-/tmp}/clubcrm-redis-cluster-$CLUSTER_PORT}"
PORTS="$CLUSTER_PORT $((CLUSTER_PORT + 1)) $((CLUSTER_PORT + 2))"

ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }
cluster_ok() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
ready() { for p in $PORTS; do cluster_ok "$p" || return 1; done; }
addrs() { local a=; for p in $PORTS; do a="${a:+$a,}127.0.0.1:$p"; done; echo "$a"; }
print_env() { echo "export TEST_REDIS_CLUSTER_ADDRS=$(addrs)"; }

wait_for() { # seconds, command...
  local n=$1; shift
  for _ in $(seq 1 $((n * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

start_node() {
  local p=$1
  mkdir -p "$DIR/$p"
  redis-server --port "$p" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --cluster-enabled yes --cluster-config-file "$DIR/$p/nodes.conf" --cluster-node-timeout 2000 \
    --dir "$DIR/$p" --pidfile "$DIR/$p/redis.pid" --logfile "$DIR/$p/redis.log" 9>&-
  wait_for 10 ping "$p"
}

up() {
  mkdir -p "$DIR"
  exec 9>"$DIR/lock"; flock 9 # concurrent `up`s from parallel test packages
  if ready; then print_env; return; fi
  for p in $PORTS; do ping "$p" || start_node "$p"; done
  # A node that already knows the others (nodes.conf) needs no create.
  if [ "$(redis-cli -h 127.0.0.1 -p "$CLUSTER_PORT" cluster info | grep '^cluster_known_nodes:' | tr -dc 0-9)" != 3 ]; then
    local nodes=(); for p in $PORTS; do nodes+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 ||
      { cat "$DIR/create.log" >&2; exit 1; }
  fi
  wait_for 30 ready || { echo "redis cluster did not become ok (logs in $DIR)" >&2; exit 1; }
  print_env
}

restart() {
  local p=$1
  kill -9 "$(cat "$DIR/$p/redis.pid")" 2>/dev/null || true
  wait_for 10 bash -c "! redis-cli -h 127.0.0.1 -p $p ping >/dev/null 2>&1"
  start_node "$p"
  wait_for 30 ready || { echo "redis cluster not ok after restarting $p" >&2; exit 1; }
}

down() {
  for p in $PORTS; do redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
}

case "${1:-}" in
  up) up ;;
  env) print_env ;;
  restart) restart "${2:?port}" ;;
  down) down ;;
  *) echo "usage: $0 up|env|restart PORT|down" >&2; exit 2 ;;
esac
