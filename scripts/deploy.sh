#!/usr/bin/env bash
# Deploy Dockyard on this machine with Docker Compose (compose.yaml, docs/deploy.md).
#
#   ./scripts/deploy.sh              build what is missing or changed, start or upgrade
#                                    everything, print the address and the first login
#   ./scripts/deploy.sh down         stop the deploy's services (sandboxes, caches,
#                                    data and secrets stay)
#   ./scripts/deploy.sh compose ...  any docker compose command on the deploy
#
# Needs Docker with Compose (`docker compose` or Debian's `docker-compose`), and,
# when Docker Hub cannot be reached, debootstrap (run as root) for the base images.
# Settings come from the environment or ./.env (docs/deploy.md lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-dockyard}
export SECRETS_DIR=${SECRETS_DIR:-./.secrets}
export TLS_DIR=${TLS_DIR:-$SECRETS_DIR/tls}
prefix=${SANDBOX_IMAGE_PREFIX:-dockyard}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
step() { printf '\n==> %s\n' "$*"; }

compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -f compose.yaml "$@"
  elif command -v docker-compose >/dev/null; then
    docker-compose -f compose.yaml "$@"
  else
    echo "Docker Compose is missing: install the compose plugin, or Debian's docker-compose package." >&2
    exit 1
  fi
}

# <prefix>/base:<suite>, as `manage.py build_images` makes it: Debian's slim
# image when Docker Hub answers, else a minbase debootstrap imported as an image.
ensure_base() {
  local suite=$1 name=$prefix/base:$1 rootfs
  docker image inspect "$name" >/dev/null 2>&1 && return
  if docker pull "debian:$suite-slim" >/dev/null 2>&1; then
    docker tag "debian:$suite-slim" "$name"
    return
  fi
  command -v debootstrap >/dev/null || { echo "Docker Hub is out of reach: install debootstrap (apt-get install debootstrap)." >&2; exit 1; }
  [ "$(id -u)" = 0 ] || { echo "debootstrap must run as root to build $name." >&2; exit 1; }
  echo "building $name with debootstrap from $mirror (about 30 s)"
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/dev/null
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$mirror" "$suite" "$mirror" "$suite" "$security_mirror" "$suite" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$name" >/dev/null
  rm -rf "$rootfs"
}

# Random secrets, made once, readable by root only, outside git (.secrets is ignored).
ensure_secrets() {
  mkdir -p "$SECRETS_DIR" "$TLS_DIR"
  chmod 700 "$SECRETS_DIR"
  local name
  for name in secret_key postgres_password redis_password metrics_token; do
    if [ ! -s "$SECRETS_DIR/$name" ]; then
      (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$SECRETS_DIR/$name")
    fi
  done
}

case "${1:-up}" in
  down) compose down; exit ;;
  compose) shift; compose "$@"; exit ;;
  up) ;;
  *) echo "usage: $0 [up | down | compose ARGS...]" >&2; exit 2 ;;
esac

docker info >/dev/null 2>&1 || { echo "No Docker engine answers here." >&2; exit 1; }
step "Base images ($prefix/base:bookworm for the services, :trixie for the sandboxes)"
ensure_base bookworm
ensure_base trixie
step "Secrets in $SECRETS_DIR"
ensure_secrets
step "Building the images"
# The host's extra certificate authorities, for pip in the app image behind a
# TLS-inspecting proxy (deploy/app/extra-ca/README).
rm -f deploy/app/extra-ca/*.crt
find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} deploy/app/extra-ca/ \; 2>/dev/null || true
compose build
step "Starting (setup migrates, loads lessons, builds the sandbox images and fills the caches first)"
if ! compose up -d --remove-orphans; then
  compose logs --no-color --tail 40 setup >&2
  exit 1
fi
compose logs --no-color setup | grep -i "instructor account" | tail -n 1 | sed 's/^[^|]*| //' || true
https_port=${HTTPS_PORT:-443}
if command -v curl >/dev/null; then  # the app processes take a few seconds to listen
  for _ in $(seq 1 60); do
    curl -ksf -o /dev/null "https://127.0.0.1:$https_port/healthz" && break
    sleep 1
  done
fi
step "Dockyard is at https://${SERVER_NAME:-localhost}$([ "$https_port" = 443 ] || echo ":$https_port")/"
