#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and RabbitMQ answer on 127.0.0.1 for the integration tests:
# starts an installed server that is down; in CI (CI=true) installs a missing one from Debian.
# Never fails: tests that need a service still missing skip with a clear reason, except when
# REQUIRE_SERVICES=1 (set by CI), where they fail.
set -uo pipefail
up() { # name port
  (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null
}
wait_up() { for _ in $(seq 1 60); do up "$1" "$2" && return 0; sleep 1; done; return 1; }
apt_install() {
  [ "${CI:-}" = "true" ] && [ "$(id -u)" = 0 ] || return 1
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
ensure() { # name port check-binary start-command install-packages
  local name=$1 port=$2 bin=$3 start=$4 pkgs=$5
  up "$name" "$port" && { echo "services: $name up on $port"; return; }
  command -v "$bin" >/dev/null || apt_install $pkgs || { echo "services: $name not installed (tests needing it will skip)"; return; }
  echo "services: starting $name"
  bash -c "$start" >/dev/null 2>&1 || true
  wait_up "$name" "$port" && echo "services: $name up on $port" || echo "services: $name did not start"
}
ensure postgresql 5432 pg_ctlcluster \
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start' "postgresql"
ensure redis 6379 redis-server \
  'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no' "redis-server"
ensure rabbitmq 5672 rabbitmq-server 'rabbitmq-server -detached' "rabbitmq-server"
exit 0
