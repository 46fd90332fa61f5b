#!/bin/sh
# The docker command the student types. The student's engine starts on its
# first use (dockyard-activate, in the engine container) and right after a
# sandbox starts its socket may need a moment: say so on the terminal, wait
# for it instead of failing, then run the real CLI.

# Commands that never talk to the engine run at once.
case "${1:-}" in
    ""|-v|--version|-h|--help|help|context) exec /usr/bin/docker "$@" ;;
esac

run_dir=/run/dockyard
socket=$run_dir/docker.sock
case "${DOCKER_HOST:-}" in
    unix://*) socket=${DOCKER_HOST#unix://} ;;
    "") ;;
    *) exec /usr/bin/docker "$@" ;;
esac

# A serving engine (its guard keeps engine-up while it serves) answers at once,
# and one stopping meanwhile takes the connection when it starts again: no ping.
# Each ping was a curl and a request, a third of what a check's `docker` costs.
if [ "$socket" = "$run_dir/docker.sock" ] && [ -e "$run_dir/engine-up" ]; then
    exec /usr/bin/docker "$@"
fi

say() {  # say ENGLISH CHINESE, in the page's language (the app writes it)
    case "$(head -c 16 "$run_dir/language" 2>/dev/null)" in
        zh*) echo "$2" >&2 ;;
        *) echo "$1" >&2 ;;
    esac
}

# A stopped engine answers its first request once started (about a second).
answers() { curl -sf --max-time "$1" --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1; }

# On the terminal only: a check's or a pipe's output stays the command's own.
if [ -t 2 ] && [ "$socket" = "$run_dir/docker.sock" ] && [ -S "$socket" ] && [ ! -e "$run_dir/engine-up" ]; then
    say "Starting your Docker engine…" "正在启动你的 Docker 引擎……"
fi
if ! answers 20; then
    say "Waiting for your Docker engine to start…" "正在等待你的 Docker 引擎启动……"
    tries=600  # 60 s
    while [ "$tries" -gt 0 ] && ! answers 2; do
        sleep 0.1
        tries=$((tries - 1))
    done
fi
exec /usr/bin/docker "$@"
