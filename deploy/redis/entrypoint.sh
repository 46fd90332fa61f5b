#!/bin/sh
# Redis for the channel layer: loopback only, a password from
# /run/secrets/redis_password (or $REDIS_PASSWORD), kept out of the process
# list by a configuration file. Nothing is saved to disk: channel messages are
# short-lived, and a restart loses only messages in flight.
set -eu
password=${REDIS_PASSWORD:-$(cat /run/secrets/redis_password 2>/dev/null || true)}
[ -n "$password" ] || { echo "no password: give the secret redis_password" >&2; exit 1; }
config=/etc/redis/dockyard.conf
umask 077
cat >"$config" <<CONF
bind 127.0.0.1
port ${REDIS_PORT:-6379}
requirepass $password
save ""
appendonly no
protected-mode yes
CONF
chown redis: "$config"
exec runuser -u redis -- redis-server "$config"
