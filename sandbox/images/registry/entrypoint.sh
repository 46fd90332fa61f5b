#!/bin/sh
# Writes the registry's configuration from the environment, then serves.
#   REGISTRY_ADDR      address:port to listen on
#   REGISTRY_MODE      "serve" (read-only: what sandboxes pull from),
#                      "seed" (read-write, for seed_images only, on loopback),
#                      "proxy" (a pull-through cache of REGISTRY_UPSTREAM)
set -eu
: "${REGISTRY_ADDR:=0.0.0.0:5000}" "${REGISTRY_MODE:=serve}"
config=/etc/docker/registry/dockyard.yml
cat >"$config" <<YAML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: false
YAML
case "$REGISTRY_MODE" in
  serve) printf '  maintenance:\n    readonly:\n      enabled: true\n' >>"$config" ;;
  seed) ;;
  proxy) printf 'proxy:\n  remoteurl: %s\n' "${REGISTRY_UPSTREAM:?REGISTRY_UPSTREAM is needed in proxy mode}" >>"$config" ;;
  *) echo "unknown REGISTRY_MODE $REGISTRY_MODE" >&2; exit 2 ;;
esac
printf 'http:\n  addr: %s\n  headers:\n    X-Content-Type-Options: [nosniff]\n' "$REGISTRY_ADDR" >>"$config"
exec docker-registry serve "$config"
