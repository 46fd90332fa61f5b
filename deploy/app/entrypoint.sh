#!/bin/sh
# The app container's commands. Secrets come from the environment or, when it
# does not set them, from files in /run/secrets (Compose secrets, compose.yaml):
#   secret_key, postgres_password, redis_password, metrics_token.
#   setup        migrate, load lessons, build the sandbox images, fill the
#                classroom caches, create the first instructor (once, before the app)
#   serve        Daphne on 127.0.0.1:$PORT behind the proxy
#   anything else: run as a command (e.g. `python manage.py status`; deploy/app/manage
#                does that for `docker compose exec`, which skips this entrypoint)
set -eu
secret() { if [ -r "/run/secrets/$1" ]; then cat "/run/secrets/$1"; fi; }

[ -n "${SECRET_KEY:-}" ] || SECRET_KEY=$(secret secret_key)
[ -n "${METRICS_TOKEN:-}" ] || METRICS_TOKEN=$(secret metrics_token)
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL="postgres://dockyard:$(secret postgres_password)@127.0.0.1:${POSTGRES_PORT:-5432}/dockyard"
fi
if [ -z "${REDIS_URL:-}" ]; then
    REDIS_URL="redis://:$(secret redis_password)@127.0.0.1:${REDIS_PORT:-6379}/0"
fi
if [ -z "$SECRET_KEY" ]; then
    echo "No SECRET_KEY: set it or give the secret file secret_key (scripts/deploy.sh makes one)." >&2
    exit 1
fi
export SECRET_KEY METRICS_TOKEN DATABASE_URL REDIS_URL

manage() { python manage.py "$@"; }
case "${1:-serve}" in
    setup)
        manage check_engine
        manage migrate --noinput
        manage sync_lessons
        manage build_images
        manage seed_images
        manage ensure_instructor
        ;;
    serve)
        # --proxy-headers: the client's address from the proxy's X-Forwarded-For
        # (login throttling and join-code limits count per address).
        exec daphne --proxy-headers --bind 127.0.0.1 --port "${PORT:?}" tutorial.asgi:application
        ;;
    *)
        exec "$@"
        ;;
esac
