#!/usr/bin/env bash
# A Redis Sentinel setup on loopback for tests: one primary, one replica,
# three sentinels watching master "clubcrm" (quorum 2), no persistence.
#
#   .ci/redis-sentinel.sh up             start (idempotent), wait until ready, print the env
#   .ci/redis-sentinel.sh env            print TEST_REDIS_SENTINEL_ADDRS / _MASTER
#   .ci/redis-sentinel.sh kill-primary   kill -9 the current primary, print its port
#   .ci/redis-sentinel.sh wait-failover PORT   wait until the sentinels name another primary
#   .ci/redis-sentinel.sh restart PORT   start a killed data node again, as a replica
#   .ci/redis-sentinel.sh down           stop everything, remove the data dir
#
# Ports: data nodes DATA_PORT and DATA_PORT+1 (default 6380/6381), sentinels
# SENTINEL_PORT..+2 (default 26379-26381). The failover test runs its own
# copy on other ports so it never disturbs the shared one.
set -euo pipefail

DATA_PORT="${DATA_PORT:-6380}"
SENTINEL_PORT="${SENTINEL_PORT:-26379}"
MASTER="${MASTER:-clubcrm}"
DIR="${REDIS_TOPOLOGY_DIR:-${TMPDIR:-/tmp}/clubcrm-redis-sentinel-$DATA_PORT}"
DATA_PORTS="$DATA_PORT $((DATA_PORT + 1))"
SENTINEL_PORTS="$SENTINEL_PORT $((SENTINEL_PORT + 1)) $((SENTINEL_PORT + 2))"

ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }
sentinel_master() { # prints the primary's port as sentinel $1 sees it
  redis-cli -h 127.0.0.1 -p "$1" sentinel get-master-addr-by-name "$MASTER" 2>/dev/null | sed -n 2p
}
addrs() { local a=; for p in $SENTINEL_PORTS; do a="${a:+$a,}127.0.0.1:$p"; done; echo "$a"; }
print_env() {
  echo "export TEST_REDIS_SENTINEL_ADDRS=$(addrs)"
  echo "export TEST_REDIS_SENTINEL_MASTER=$MASTER"
}

start_data() { # port [replicaof-port]
  local p=$1
  local args=(--port "$p" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no
    --dir "$DIR" --pidfile "$DIR/redis-$p.pid" --logfile "$DIR/redis-$p.log")
  if [ -n "${2:-}" ]; then args+=(--replicaof 127.0.0.1 "$2"); fi
  redis-server "${args[@]}" 9>&-
}

ready() {
  for p in $DATA_PORTS $SENTINEL_PORTS; do ping "$p" || return 1; done
  local m; m=$(sentinel_master "$SENTINEL_PORT")
  [ -n "$m" ] || return 1
  redis-cli -h 127.0.0.1 -p "$m" info replication 2>/dev/null | grep -q '^connected_slaves:1' || return 1
  for p in $SENTINEL_PORTS; do
    redis-cli -h 127.0.0.1 -p "$p" sentinel master "$MASTER" 2>/dev/null | grep -A1 '^num-other-sentinels$' | tail -n1 | grep -q '^2' || return 1
  done
}

wait_for() { # seconds, command...
  local n=$1; shift
  for _ in $(seq 1 $((n * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

up() {
  mkdir -p "$DIR"
  exec 9>"$DIR/lock"; flock 9 # concurrent `up`s from parallel test packages
  if ready; then print_env; return; fi
  ping "$DATA_PORT" || start_data "$DATA_PORT"
  ping $((DATA_PORT + 1)) || start_data $((DATA_PORT + 1)) "$DATA_PORT"
  for p in $SENTINEL_PORTS; do
    ping "$p" && continue
    cat >"$DIR/sentinel-$p.conf" <<CONF
port $p
bind 127.0.0.1
daemonize yes
pidfile $DIR/sentinel-$p.pid
logfile $DIR/sentinel-$p.log
dir $DIR
sentinel monitor $MASTER 127.0.0.1 $DATA_PORT 2
sentinel down-after-milliseconds $MASTER 1000
sentinel failover-timeout $MASTER 5000
sentinel parallel-syncs $MASTER 1
CONF
    redis-server "$DIR/sentinel-$p.conf" --sentinel 9>&-
  done
  wait_for 30 ready || { echo "redis sentinel setup did not become ready (logs in $DIR)" >&2; exit 1; }
  print_env
}

kill_primary() {
  local m; m=$(sentinel_master "$SENTINEL_PORT")
  [ -n "$m" ] || { echo "no primary known to the sentinels" >&2; exit 1; }
  kill -9 "$(cat "$DIR/redis-$m.pid")"
  echo "$m"
}

wait_failover() { # old primary port
  promoted() { local m; m=$(sentinel_master "$SENTINEL_PORT"); [ -n "$m" ] && [ "$m" != "$1" ] && ping "$m"; }
  wait_for 60 promoted "$1" || { echo "no failover away from $1 (logs in $DIR)" >&2; exit 1; }
  sentinel_master "$SENTINEL_PORT"
}

restart() { # port of a killed data node: it comes back as a replica of the current primary
  local m; m=$(sentinel_master "$SENTINEL_PORT")
  ping "$1" || start_data "$1" "$m"
  wait_for 30 ping "$1"
}

down() {
  for p in $SENTINEL_PORTS $DATA_PORTS; do redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
}

case "${1:-}" in
  up) up ;;
  env) print_env ;;
  kill-primary) kill_primary ;;
  wait-failover) wait_failover "${2:?port}" ;;
  restart) restart "${2:?port}" ;;
  down) down ;;
  *) echo "usage: $0 up|env|kill-primary|wait-failover PORT|restart PORT|down" >&2; exit 2 ;;
esac
