#!/bin/sh
# The student's nested Docker engine, in two parts.
#
#   dockyard-engine        once per container start: fresh cgroup mounts, the
#                          mirror, /root's mount; then dockyard-activate listens
#                          on the student's socket and runs the part below on its
#                          first use (at once with DOCKYARD_ENGINE_START=eager).
#   dockyard-engine run    the engine: the guard (authorization plugin and front
#                          proxy), dockerd on its private socket, the seed images,
#                          then the proxy accepts on the activator's socket. It
#                          exits 0 when the guard ends it after a quiet period
#                          (DOCKYARD_ENGINE_IDLE_SECONDS), so the next use starts it again.
set -eu

# The only socket the workspace can reach: the guard's front proxy.
SOCKET=/run/dockyard/docker.sock
# dockerd's own socket, in a directory only this container sees.
ENGINE_DIR=/run/dockyard-engine
ENGINE_SOCKET=$ENGINE_DIR/docker.sock
# Named by /etc/docker/plugins/dockyard-authz.spec. Not under /run/docker: a
# rootless dockerd makes its own /run/docker in its mount namespace.
PLUGIN_DIR=/run/dockyard-authz
PLUGIN_SOCKET=$PLUGIN_DIR/dockyard-authz.sock
# On the sandbox's own disk (sandbox/backends/docker/disks.py): dockerd logs every refused request.
LOG=/var/lib/docker/dockyard-dockerd.log
# The guard writes it while it serves (the student's port watcher waits for it).
UP_FILE=/run/dockyard/engine-up
# dockyard_guard.IDLE_EXIT: the guard ended the engine after a quiet period.
GUARD_IDLE_EXIT=75

# rootful (default): dockerd runs as root in this container, which holds
# CAP_SYS_ADMIN. rootless: dockerd runs as the unprivileged user `dockyard`
# under rootlesskit, so nested containers have capabilities only in a user
# namespace of their own (docs/sandbox-security.md, "Defence in depth").
MODE=${DOCKYARD_ENGINE_MODE:-rootful}
# lazy (default): the engine starts on the student's first use of the socket.
START=${DOCKYARD_ENGINE_START:-lazy}
ROOTLESS_USER=dockyard
ROOTLESS_RUNTIME=/run/dockyard-rootless
# rootful: containerd runs beside dockerd (start_rootful); rootless: dockerd starts its own.
CONTAINERD_SOCKET=/var/run/docker/containerd/containerd.sock
containerd_pid=
# The course's layers, unpacked once on the host and shared read-only
# (course_layers.py; mounted by sandbox/backends/docker/specs.py when present).
COURSE_LAYERS=/var/lib/dockyard-layers

say() { echo "dockyard-engine: $*" >&2; }

wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND succeeds; gives up if it exits 2
    tries=$(($1 * 50)); shift
    while [ "$tries" -gt 0 ]; do
        status=0; "$@" >/dev/null 2>&1 || status=$?
        [ "$status" -eq 0 ] && return 0
        [ "$status" -eq 2 ] && return 1
        tries=$((tries - 1)); sleep 0.02
    done
    return 1
}

# Docker mounts the cgroup hierarchies read-only in an unprivileged
# container. In our private cgroup namespace a fresh mount of each
# hierarchy is rooted at our own cgroup, so mounting it read-write gives
# the nested engine nothing beyond its own subtree.
remount_cgroups_v1() {
    # mountinfo: ... MOUNTPOINT ... - FSTYPE SOURCE SUPER_OPTIONS
    awk '{ for (i = 7; $i != "-"; i++); if ($5 ~ "^/sys/fs/cgroup/" && $(i+1) == "cgroup") print $5, $(i+3) }' \
        /proc/self/mountinfo |
    while read -r dir opts; do
        subsystems=$(echo "$opts" | tr , '\n' | grep -vxE 'rw|ro' | paste -sd, -)
        umount "$dir"
        mount -t cgroup -o "$subsystems" cgroup "$dir"
    done
    if mountpoint -q /sys/fs/cgroup/unified; then
        umount /sys/fs/cgroup/unified
        mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
    fi
}

# On a cgroup v2 host the namespace root must hold no processes before
# controllers can be delegated: move ourselves into a leaf first (as
# moby's own dind script does).
remount_cgroups_v2() {
    umount /sys/fs/cgroup
    mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers \
        >/sys/fs/cgroup/cgroup.subtree_control || say "could not delegate every cgroup controller"
}

setup_once() {
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        remount_cgroups_v2
    else
        remount_cgroups_v1
    fi

    mkdir -p /run/dockyard /var/lib/docker
    : >"$LOG"
    if [ "$MODE" = rootless ]; then
        chmod 0711 /root  # the rootless engine (nested root) must reach bind mounts under ~
    else
        chmod 0700 /root
    fi

    # The student may bind-mount paths under /root only. Without this, a
    # symlink swapped in after the plugin's check (`docker create -v
    # /root/d:/x`, then `ln -s / /root/d`, then `docker start`) would hand a
    # nested container this container's root file system. nosymfollow makes
    # the kernel refuse to follow any symlink on this mount.
    if ! mount -o remount,bind,nosymfollow /root; then
        say "cannot mount /root with nosymfollow (Linux 5.10 or later is needed); refusing to start"
        exit 1
    fi
    rm -f "$SOCKET" "$UP_FILE"
    python3 /usr/local/lib/dockyard/use_mirror.py
}

# Docker 26 turns IPv6 off on a nested container's eth0 unless told it may
# leave it: /proc/sys is read-only here, so it would fail to start them.
export DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1

start_rootful() {
    # containerd first: a dockerd 26 that starts its own dials it before it
    # listens, and gRPC's first retry waits a whole second (engine ready in
    # 2.3 s instead of 1.4 s). Started here, it is listening when dockerd dials.
    containerd --config /etc/dockyard/containerd.toml >>"$LOG" 2>&1 3<&- &
    containerd_pid=$!
    wait_for 10 test -S "$CONTAINERD_SOCKET" || { say "containerd did not start"; tail -n 20 "$LOG" >&2; exit 1; }
    dockerd -H "unix://$ENGINE_SOCKET" --group root --containerd "$CONTAINERD_SOCKET" \
        --authorization-plugin=dockyard-authz >>"$LOG" 2>&1 3<&- &
    dockerd_pid=$!
}

# A user namespace may mount proc and sysfs (every nested container does) only
# where an unmasked instance of each is already visible: Docker masks parts of
# this container's /proc and /sys. Fresh ones, in a folder only root can open,
# satisfy the kernel; the rootless user cannot reach them.
start_rootless() {
    visible=/run/dockyard-visible
    mkdir -p "$visible/proc" "$visible/sys"
    chmod 0700 "$visible"
    mountpoint -q "$visible/proc" || mount -t proc proc "$visible/proc"
    mountpoint -q "$visible/sys" || mount -t sysfs sysfs "$visible/sys"
    uid=$(id -u "$ROOTLESS_USER")
    mkdir -p "$ROOTLESS_RUNTIME"
    chown "$ROOTLESS_USER:" "$ROOTLESS_RUNTIME" "$ENGINE_DIR" "$PLUGIN_DIR" "$PLUGIN_SOCKET" /var/lib/docker
    chmod 0700 "$ROOTLESS_RUNTIME"
    # A disk used by a rootful engine before: its files become the rootless user's.
    if [ -n "$(find /var/lib/docker -mindepth 1 -maxdepth 1 ! -user "$ROOTLESS_USER" ! -name "$(basename "$LOG")" -print -quit)" ]; then
        chown -R "$ROOTLESS_USER:" /var/lib/docker
    fi
    chown "$ROOTLESS_USER:" "$LOG"
    setpriv --reuid "$uid" --regid "$uid" --init-groups --inh-caps=-all \
        env -i HOME=/var/lib/dockyard-rootless XDG_RUNTIME_DIR="$ROOTLESS_RUNTIME" \
            PATH=/usr/sbin:/usr/bin:/sbin:/bin DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=builtin \
            DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 \
        /usr/share/docker.io/contrib/dockerd-rootless.sh \
            --config-file /etc/docker/daemon.json --data-root /var/lib/docker \
            -H "unix://$ENGINE_SOCKET" --authorization-plugin=dockyard-authz >>"$LOG" 2>&1 3<&- &
    dockerd_pid=$!
}

dockerd_answers() {
    kill -0 "$dockerd_pid" 2>/dev/null || return 2
    docker version >/dev/null 2>&1
}

load_seeds() {
    for archive in /usr/share/dockyard/images/*.tar; do
        [ -e "$archive" ] || continue
        name=$(basename "$archive" .tar)
        docker image inspect "$name" >/dev/null 2>&1 || docker load -q -i "$archive" >&2
    done
}

# Lay the course's layers over the engine's store before dockerd reads it, so
# that a first `docker pull nginx` only fetches the manifest. Files already
# there are kept: a layer the student pulled or built stays the student's, and a
# seeded layer the student's `docker rmi` removed comes back unseen (no image
# names it). The seed is that of the cache this engine pulls through (its
# digests). Only for a rootful engine: a rootless one's user namespace would
# see the shared files as nobody's.
seed_course_layers() {
    seed=$COURSE_LAYERS/seed-${DOCKYARD_MIRROR_PORT:-none}
    [ "$MODE" = rootful ] && [ -d "$seed" ] || return 0
    cp -a --update=none "$seed/." /var/lib/docker/ || say "could not lay the course's layers"
}

containerd_runs() { [ -z "$containerd_pid" ] || kill -0 "$containerd_pid" 2>/dev/null; }

# The engine, on the socket dockyard-activate listens on (fd 3, LISTEN_FD): only
# the guard keeps that fd (`3<&-` for the others).
run_engine() {
    # The container's own /run survives a restart, and an engine its quiet stop:
    # clear what the last run left (not the student's socket: the activator's).
    rm -rf /run/docker /run/containerd /run/docker.pid "$ENGINE_DIR" "$PLUGIN_DIR" "$UP_FILE"
    mkdir -p "$PLUGIN_DIR" "$ENGINE_DIR"
    chmod 0700 "$PLUGIN_DIR" "$ENGINE_DIR"

    python3 /usr/local/lib/dockyard/dockyard_guard.py "$PLUGIN_SOCKET" "$SOCKET" "$ENGINE_SOCKET" /var/lib/docker &
    guard_pid=$!
    wait_for 10 test -S "$PLUGIN_SOCKET" || { say "the authorization plugin did not start"; exit 1; }

    export DOCKER_HOST="unix://$ENGINE_SOCKET"
    seed_course_layers
    case "$MODE" in
        rootful) start_rootful ;;
        rootless) start_rootless ;;
        *) say "unknown DOCKYARD_ENGINE_MODE $MODE"; exit 1 ;;
    esac
    stopping=
    trap 'stopping=1; kill -TERM "$dockerd_pid" "$guard_pid" 2>/dev/null' TERM INT

    if wait_for 60 dockerd_answers; then
        # The seed images load before the student's first request is read (a third
        # of a second on a fresh disk, nothing after): that request is often the
        # `docker run busybox` that needs them.
        load_seeds
        kill -USR1 "$guard_pid"
        wait_for 10 test -e "$UP_FILE" || { say "the guard's proxy did not start"; exit 1; }
        say "engine up"
        [ "$START" = eager ] && say "ready"
    else
        say "dockerd did not start; its log follows"
        tail -n 50 "$LOG" >&2
        kill -TERM "$dockerd_pid" "$guard_pid" 2>/dev/null || :
        exit 1
    fi

    # Exit when dockerd, its containerd or the guard does: an engine without its
    # guard must not go on (dockerd refuses everything without its plugin, but the
    # sandbox would look alive). `wait` returns early on a trapped signal.
    while kill -0 "$dockerd_pid" 2>/dev/null && kill -0 "$guard_pid" 2>/dev/null && containerd_runs; do
        sleep 5 &
        wait $! || :
    done
    status=0
    guard_status=0
    kill -0 "$guard_pid" 2>/dev/null || wait "$guard_pid" || guard_status=$?
    if [ -z "$stopping" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
        if [ "$guard_status" -eq "$GUARD_IDLE_EXIT" ]; then
            say "quiet: stopping dockerd until the next use"
        elif containerd_runs; then
            say "the guard stopped; stopping dockerd"
            status=1
        else
            say "containerd stopped; stopping dockerd"
            status=1
        fi
        kill -TERM "$dockerd_pid"
    elif [ -z "$stopping" ]; then
        status=1  # dockerd ended on its own
    fi
    while kill -0 "$dockerd_pid" 2>/dev/null; do
        wait "$dockerd_pid" || :
    done
    # dockerd has stopped the student's containers; containerd goes after it.
    if [ -n "$containerd_pid" ]; then
        kill -TERM "$containerd_pid" 2>/dev/null || :
        while kill -0 "$containerd_pid" 2>/dev/null; do wait "$containerd_pid" || :; done
    fi
    kill -TERM "$guard_pid" 2>/dev/null || :
    rm -f "$UP_FILE"
    exit "$status"
}

if [ "${1:-}" = run ]; then
    run_engine
fi
setup_once
if [ "$START" = eager ]; then
    exec /usr/local/bin/dockyard-activate --eager "$SOCKET" /usr/local/bin/dockyard-engine run
fi
exec /usr/local/bin/dockyard-activate "$SOCKET" /usr/local/bin/dockyard-engine run
