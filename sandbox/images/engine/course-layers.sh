#!/bin/sh
# Unpack the course's images once, on the host, for every sandbox's engine to
# share (course_layers.py says how the engines use them). Run by
# sandbox/backends/docker/course_layers.py in a throwaway container of this
# image, with the course-layers volume at $LAYERS:
#
#   dockyard-course-layers MIRROR CACHE_PORT IMAGE...
#
# A dockerd of its own, with no network of its own and no firewall rules (the
# container shares the host's network to reach the cache), pulls each IMAGE
# through MIRROR into $LAYERS/data, which is kept from one run to the next, then
# publishes the seed of that cache ($LAYERS/seed-CACHE_PORT).
set -eu
LAYERS=/var/lib/dockyard-layers
SOCKET=/run/dockyard-course-layers.sock
LOG=/run/dockyard-course-layers.log
mirror=$1
cache=$2
shift 2

say() { echo "dockyard-course-layers: $*" >&2; }

mkdir -p "$LAYERS/data"
dockerd --data-root "$LAYERS/data" -H "unix://$SOCKET" --bridge none --iptables=false \
    --registry-mirror "$mirror" --insecure-registry "${mirror#http://}" >"$LOG" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$SOCKET"
tries=500
until docker version >/dev/null 2>&1; do
    tries=$((tries - 1))
    if [ "$tries" -eq 0 ] || ! kill -0 "$dockerd_pid" 2>/dev/null; then
        say "dockerd did not start; its log follows"
        tail -n 30 "$LOG" >&2
        exit 1
    fi
    sleep 0.05
done

lists=/run/dockyard-course-layers.lists
: >"$lists"
for image; do
    say "pulling $image"
    if ! docker pull -q "$image" >/dev/null; then
        say "could not pull $image"
        exit 1
    fi
    docker image inspect --format '{{json .RootFS.Layers}}' "$image" >>"$lists"
done
kill -TERM "$dockerd_pid"
wait "$dockerd_pid" || :
exec python3 /usr/local/lib/dockyard/course_layers.py "$LAYERS" "$cache" <"$lists"
