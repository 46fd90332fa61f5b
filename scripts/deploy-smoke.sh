#!/usr/bin/env bash
# The deploy, end to end, for CI: build the images here, bring compose.yaml up
# with ./scripts/deploy.sh, then through the proxy over TLS sign up a student,
# serve a lesson page and run a terminal in a real sandbox
# (scripts/deploy_smoke.py), and tear everything down again.
#
# Its names and ports cannot meet another install's: compose project
# dockyard-deploytest, sandboxes dockyard-dep-*, ports 18xxx/15xxx. One thing
# is shared with any Dockyard on this Docker host: the host firewall's
# DOCKYARD-* chains, written for one pair of cache ports. While this runs they
# name this deploy's ports, so another install's sandboxes cannot reach their
# caches; the teardown writes them again for the default ports (5000, 3142),
# which the test suite and ./scripts/run.sh use (docs/deploy.md, "Limits").
# Needs root, a Docker engine, Compose, and .venv with requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export COMPOSE_PROJECT_NAME=dockyard-deploytest SANDBOX_NAME_PREFIX=dockyard-dep
export SANDBOX_IMAGE_PREFIX=${SANDBOX_IMAGE_PREFIX:-dockyard}
export SERVER_NAME=localhost HTTPS_PORT=18443 HTTP_PORT=18080 APP1_PORT=18001 APP2_PORT=18002
export POSTGRES_PORT=15432 REDIS_PORT=16379 IMAGE_CACHE_PORT=15000 IMAGE_CACHE_SEED_PORT=15001 PACKAGE_CACHE_PORT=13142
# SANDBOX_MAX_RUNNING counts every sandbox engine on this Docker host, other runs' too.
export SANDBOX_DISK_DIR=/var/lib/dockyard-deploytest/disks SEED_IMAGES=busybox:latest SANDBOX_MAX_RUNNING=1000
SECRETS_DIR=$(mktemp -d /tmp/dockyard-deploytest.XXXXXX)
export SECRETS_DIR TLS_DIR=$SECRETS_DIR/tls

compose() { ./scripts/deploy.sh compose "$@"; }

teardown() {
  local status=$?
  set +e  # remove all that can be removed, whatever fails
  if [ "$status" != 0 ]; then
    echo "== failed ($status); the services' last lines:"
    compose logs --no-color --tail 40 || true
    # An app process that restarted lost its shells (docs/deploy.md, "Limits").
    for service in app-1 app-2; do
      echo "== $service: $(docker inspect -f 'restarts {{.RestartCount}}, {{.State.Status}}, OOM killed {{.State.OOMKilled}}, started {{.State.StartedAt}}' "$(compose ps -q $service)" 2>&1)"
      compose logs --no-color --tail 200 "$service" | grep -E -A12 'Traceback|ERROR|CRITICAL|Killed' | tail -n 60 || true
    done
  fi
  echo "== teardown"
  # The sandboxes first, through the app (containers, volumes, networks, disks).
  compose exec -T app-1 manage shell -c "
import asyncio
from sandbox.backends import get_backend
async def remove_all():
    backend = get_backend()
    for info in await backend.list():
        await backend.remove(info.key)
asyncio.run(remove_all())" || echo "could not remove the sandboxes through the app"
  compose down -v --remove-orphans || true
  # What the app started on the host engine beside Compose: the package cache,
  # the disk helper, and anything else named with this run's prefix.
  docker ps -aq --filter "name=^/$SANDBOX_NAME_PREFIX-" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "name=^$SANDBOX_NAME_PREFIX-" | xargs -r docker volume rm >/dev/null
  docker network ls -q --filter "name=^$SANDBOX_NAME_PREFIX-" | xargs -r docker network rm >/dev/null
  # The host firewall as an install with the default cache ports wants it.
  env -u IMAGE_CACHE_PORT -u PACKAGE_CACHE_PORT SECRET_KEY=unused DJANGO_SETTINGS_MODULE=tutorial.settings \
    .venv/bin/python -c "
import django
django.setup()
from sandbox.backends.docker import connect, firewall
print(connect().containers.run(**firewall.container_options()).decode().strip())" || true
  iptables -w -D INPUT -p tcp -m multiport --dports "$IMAGE_CACHE_PORT,$PACKAGE_CACHE_PORT" -j DOCKYARD-CACHES 2>/dev/null || true
  # Disks the app could not remove are still mounted: unmount before deleting.
  awk -v dir="$SANDBOX_DISK_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | xargs -r -n1 umount -l
  rm -rf "$SECRETS_DIR" "$(dirname "$SANDBOX_DISK_DIR")"
}

started=$(date +%s)
trap teardown EXIT
echo "== deploy (compose project $COMPOSE_PROJECT_NAME)"
./scripts/deploy.sh
up=$(date +%s)
echo "== deploy up in $((up - started)) s; waiting for https://localhost:$HTTPS_PORT/healthz"
for _ in $(seq 1 90); do
  code=$(curl -k -s -o /dev/null -w '%{http_code}' "https://localhost:$HTTPS_PORT/healthz" || true)
  [ "$code" = 200 ] && break
  sleep 2
done
curl -k -s -S --fail "https://localhost:$HTTPS_PORT/healthz"; echo
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$HTTP_PORT/lessons/")" = 301 ]
echo "plain HTTP redirects to HTTPS"
curl -k -s -S --fail -o /dev/null "https://localhost:$HTTPS_PORT/lessons/"
echo "== through the proxy: a student, a lesson page, a terminal, an instructor watching"
password=$(compose logs --no-color setup | sed -n 's|.*Created instructor account: instructor / ||p' | tail -n 1)
DEPLOY_SMOKE_INSTRUCTOR="instructor:$password" .venv/bin/python scripts/deploy_smoke.py "https://localhost:$HTTPS_PORT" "http://127.0.0.1:$APP1_PORT" "http://127.0.0.1:$APP2_PORT"
echo "== deploy smoke passed in $(($(date +%s) - started)) s (deploy up: $((up - started)) s)"
