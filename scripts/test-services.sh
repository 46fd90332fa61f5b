#!/usr/bin/env bash
# A throwaway PostgreSQL and Redis for the tests, from Debian's packages
# (postgresql, redis-server; .ci/run installs them). Prints the variables to use:
#   eval "$(./scripts/test-services.sh start)"   ->  TEST_DATABASE_URL, TEST_REDIS_URL
#   ./scripts/test-services.sh stop
# Exits 1, saying what is missing, when the servers are not installed.
set -euo pipefail
DIR=${DOCKYARD_SERVICES_DIR:-/tmp/dockyard-test-services}
PG_PORT=${DOCKYARD_TEST_PG_PORT:-55432}
REDIS_PORT=${DOCKYARD_TEST_REDIS_PORT:-56379}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

as_postgres() {  # initdb and the server refuse to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    if [ -z "$pg_bin" ] || ! command -v redis-server >/dev/null; then
        echo "PostgreSQL or Redis is not installed: apt-get install postgresql redis-server" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    if [ ! -f "$DIR/pg/PG_VERSION" ]; then
        as_postgres "$pg_bin/initdb" -D "$DIR/pg" -A trust -U dockyard >/dev/null
    fi
    if ! as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" status >/dev/null 2>&1; then
        as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w \
            -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    fi
    as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U dockyard -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='dockyard'" | grep -q 1 ||
        as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U dockyard dockyard
    if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
            --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
        for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    # A Redis left running by an earlier (killed) run keeps its dead consumers' groups
    # and queues: every run starts from an empty one (both hangs seen in CI ran on such a Redis).
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    echo "export TEST_DATABASE_URL=postgres://dockyard@127.0.0.1:$PG_PORT/dockyard"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
stop)
    [ -n "$pg_bin" ] && [ -f "$DIR/pg/PG_VERSION" ] && as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
