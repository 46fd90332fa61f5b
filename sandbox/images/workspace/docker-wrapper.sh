#!/bin/sh
# The docker command the student types. Right after a sandbox starts, the
# student's engine may need a few more seconds: wait for it (once, with a
# message) instead of failing, then run the real CLI.

# Commands that never talk to the engine run at once.
case "${1:-}" in
    ""|-v|--version|-h|--help|help|context) exec /usr/bin/docker "$@" ;;
esac

socket=/run/dockyard/docker.sock
case "${DOCKER_HOST:-}" in
    unix://*) socket=${DOCKER_HOST#unix://} ;;
    "") ;;
    *) exec /usr/bin/docker "$@" ;;
esac

answers() { curl -sf --max-time 2 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1; }

if ! answers; then
    echo "Waiting for your Docker engine to start…" >&2
    tries=600  # 60 s
    while [ "$tries" -gt 0 ] && ! answers; do
        sleep 0.1
        tries=$((tries - 1))
    done
fi
exec /usr/bin/docker "$@"
