#!/bin/sh
# PostgreSQL for Dockyard: on first start, a cluster whose superuser is
# `dockyard` with the password in /run/secrets/postgres_password (or
# $POSTGRES_PASSWORD), and a database `dockyard`. Listens on 127.0.0.1:$POSTGRES_PORT.
set -eu
bin=/usr/lib/postgresql/bin
data=/var/lib/postgresql/data
port=${POSTGRES_PORT:-5432}
password=${POSTGRES_PASSWORD:-$(cat /run/secrets/postgres_password 2>/dev/null || true)}
mkdir -p "$data" /var/run/postgresql
chown postgres: "$data" /var/run/postgresql
chmod 700 "$data"
if [ ! -s "$data/PG_VERSION" ]; then
    [ -n "$password" ] || { echo "no password: give the secret postgres_password" >&2; exit 1; }
    pwfile=$(mktemp)
    printf '%s\n' "$password" >"$pwfile"
    chown postgres: "$pwfile"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U dockyard --pwfile="$pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8
    rm -f "$pwfile"
    echo "CREATE DATABASE dockyard;" | runuser -u postgres -- "$bin/postgres" --single -D "$data" postgres >/dev/null
    echo "dockyard-postgres: made a new cluster in $data"
fi
exec runuser -u postgres -- "$bin/postgres" -D "$data" \
    -c listen_addresses=127.0.0.1 -c port="$port" -c unix_socket_directories=/var/run/postgresql \
    -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
