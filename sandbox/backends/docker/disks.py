"""A disk of fixed size for each sandbox (SANDBOX_DISK_LIMIT).

Without it a student filled the host: `fallocate -l 30G ~/x` took 0.03 s,
and a nested `dd` or a big `docker build` did the same through the nested
engine's storage. Each sandbox now gets an ext4 file system of its own, in a
sparse image file under SANDBOX_DISK_DIR on the Docker host, loop-mounted
there; its `home` and `docker` folders back the sandbox's home volume and the
nested engine's /var/lib/docker. So the kernel says "No space left on device"
inside the sandbox at the limit, whatever wrote it, and the host loses at
most the limit. It is mounted with `discard`, so space freed inside goes back
to the host. The workspace's own root is read-only (specs.py), so nothing
else it writes lands on the host's disk.

The mounts are made in the host's mount namespace by a long-running helper
container of the host engine (`nsenter` into its shim's namespace), so the app needs no root
and works with a local or remote engine alike; each operation is one exec.
"""

from __future__ import annotations

import logging
import os
import shlex

from django.conf import settings
from docker.errors import APIError, NotFound

from sandbox.backends.base import SandboxError
from sandbox.backends.docker.client import Engine
from sandbox.backends.docker.exec import run_bounded
from sandbox.backends.docker.specs import LABEL, ROLE_LABEL, Names, image, labels

log = logging.getLogger(__name__)
HELPER_OUTPUT_LIMIT = 1 << 20

# $1 the disks' folder, $2 the sandbox key, $3 its size. Idempotent: also
# mounts the disk again after a reboot of the host.
PREPARE = r"""
set -eu
dir=$1 key=$2 size=$3
img="$dir/$key.img" mnt="$dir/$key"
mkdir -p "$dir" "$mnt"
if ! mountpoint -q "$mnt"; then
    if [ ! -f "$img" ]; then
        truncate -s "$size" "$img.new"
        mkfs.ext4 -q -F -m 0 -E lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0 "$img.new"
        mv "$img.new" "$img"
    fi
    mount -o loop,discard "$img" "$mnt"
fi
mkdir -p "$mnt/home" "$mnt/docker"
"""
REMOVE = r"""
set -u
dir=$1 key=$2
img="$dir/$key.img" mnt="$dir/$key"
if mountpoint -q "$mnt"; then
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
fi
rm -f "$img" "$img.new"
rmdir "$mnt" 2>/dev/null || :
"""
# One line per mounted disk: key, bytes used, bytes in all.
USAGE = r"""
dir=$1
for mnt in "$dir"/*/; do
    mountpoint -q "$mnt" || continue
    df -B1 --output=used,size "$mnt" | awk -v key="$(basename "$mnt")" 'NR == 2 { print key, $1, $2 }'
done
"""


def enabled() -> bool:
    return settings.SANDBOX_DISK_LIMIT > 0


def helper_name() -> str:
    return f"{settings.SANDBOX_NAME_PREFIX}-disks"


def helper_options() -> dict:
    """The helper: sleeps; the backend execs each disk operation in the host's mount namespace."""
    return dict(
        image=image("engine"),
        name=helper_name(),
        entrypoint=["sleep", "infinity"],
        detach=True,
        init=True,
        pid_mode="host",  # to enter the host's mount namespace
        cap_add=["SYS_ADMIN", "SYS_PTRACE", "SYS_CHROOT"],
        security_opt=["apparmor=unconfined"],
        device_cgroup_rules=["b 7:* rwm", "c 10:237 rwm"],  # loop devices and /dev/loop-control
        restart_policy={"Name": "unless-stopped"},
        labels={ROLE_LABEL: "disks", LABEL: "classroom"},
        log_config={"type": "json-file", "config": {"max-size": "1m", "max-file": "2"}},
    )


# Enters the host's mount namespace, the one its dockerd mounts volumes in, by
# way of this exec's own containerd shim, found by walking up its parents
# (PID 1 may sit in a namespace the helper cannot enter, and nested engines'
# shims, also visible with pid=host, live in their engines' namespaces). Right
# after the exec starts, its parent may still be runc, which then exits and
# leaves it to the shim: the walk is tried again a moment later.
ENTER_HOST = r"""
shim=
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    p=$$
    while [ "$p" -gt 1 ]; do
        case "$(cat /proc/$p/comm 2>/dev/null)" in containerd-shim*) shim=$p; break 2 ;; esac
        p=$(awk '/^PPid:/ { print $2 }' /proc/$p/status 2>/dev/null || echo 1)
    done
    sleep 0.05
done
[ -n "$shim" ] || { echo "no containerd shim above this process" >&2; exit 1; }
exec nsenter -t "$shim" -m -- sh -c "$@"
"""


def command(script: str, *args: str) -> list[str]:
    return ["sh", "-c", ENTER_HOST, "sh", script, "sh", *args]


def disk_name(key: str) -> str:
    """Named like the sandbox's containers, so two installs sharing an engine never meet."""
    return f"{settings.SANDBOX_NAME_PREFIX}-{key}"


def prepare_command(key: str) -> list[str]:
    return command(PREPARE, settings.SANDBOX_DISK_DIR, disk_name(key), str(settings.SANDBOX_DISK_LIMIT))


def remove_command(key: str) -> list[str]:
    return command(REMOVE, settings.SANDBOX_DISK_DIR, disk_name(key))


def usage_command() -> list[str]:
    return command(USAGE, settings.SANDBOX_DISK_DIR)


def mount_point(key: str) -> str:
    return f"{settings.SANDBOX_DISK_DIR}/{disk_name(key)}"


def volume_options(key: str, folder: str) -> dict:
    """A local volume that is the `folder` of this sandbox's disk."""
    return {"type": "none", "o": "bind", "device": f"{mount_point(key)}/{folder}"}


def key_of_device(device: str) -> str | None:
    """The sandbox key whose disk holds a volume's bind device, or None."""
    prefix = settings.SANDBOX_DISK_DIR.rstrip("/") + "/"
    if not device.startswith(prefix):
        return None
    return _key_of_name(device[len(prefix) :].split("/", 1)[0])


def _key_of_name(name: str) -> str | None:
    head = f"{settings.SANDBOX_NAME_PREFIX}-"
    return name[len(head) :] or None if name.startswith(head) else None


def parse_usage(output: str) -> dict[str, tuple[int, int]]:
    """`USAGE` output as (used, size) by sandbox key; disks of other installs are left out."""
    usage = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            key = _key_of_name(parts[0])
            if key is not None:
                usage[key] = (int(parts[1]), int(parts[2]))
    return usage


def describe(command_: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in command_[5:])[:200]


class SandboxDisks:
    """The disk helper container and what it does to each sandbox's disk (blocking calls)."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._helper = None

    def ensure(self, names: Names):
        """The sandbox's own disk, mounted, and its home and docker volumes made of it."""
        if not enabled():
            return
        client = self._engine.client
        self.prepare(names.key)
        for folder in ("home", "docker"):
            try:
                client.volumes.get(names.volume(folder))
            except NotFound:
                client.volumes.create(
                    name=names.volume(folder),
                    driver="local",
                    driver_opts=volume_options(names.key, folder),
                    labels=labels(names.key, "volume"),
                )

    def prepare(self, key: str):
        self.run(prepare_command(key))

    def remove(self, key: str):
        self.run(remove_command(key))

    def keys_of(self, container) -> set[str]:
        """The keys of the disks a container's volumes live on (a pool sandbox keeps its pool key)."""
        keys = set()
        for mount in container.attrs.get("Mounts", []):
            if mount.get("Type") != "volume":
                continue
            try:
                options = self._engine.client.volumes.get(mount["Name"]).attrs.get("Options") or {}
            except NotFound:
                continue
            key = key_of_device(options.get("device") or "")
            if key is not None:
                keys.add(key)
        return keys

    def usage(self) -> dict[str, tuple[int, int]]:
        return parse_usage(self.run(usage_command()))

    def run(self, command: list[str]) -> str:
        helper = self._helper
        if helper is None or helper.status != "running":
            helper = self._helper = self._start_helper()
        result = run_bounded(
            self._engine.api, helper.id, command, environment={}, max_bytes=HELPER_OUTPUT_LIMIT, timeout=120
        )
        if result.exit_code != 0:
            detail = result.combined.decode(errors="replace").strip()[-500:]
            log.error("disk helper failed (%s): %s", describe(command), detail)
            raise SandboxError(
                "The sandbox's disk could not be prepared on the Docker host. The server's log says why.",
                code="host-setup",
            )
        return result.stdout.decode(errors="replace")

    def _start_helper(self):
        client = self._engine.client
        options = helper_options()
        try:
            helper = client.containers.get(options["name"])
            if helper.status != "running":
                helper.start()
        except NotFound:
            try:
                helper = client.containers.run(**options)
            except APIError as exc:
                if exc.status_code != 409:  # 409: started meanwhile by another process
                    raise
                helper = client.containers.get(options["name"])
        helper.reload()
        return helper


def statvfs(path: str) -> tuple[int, int] | None:
    """Used and total bytes of a mounted disk, when this process sees the host's mounts."""
    if not os.path.ismount(path):
        return None
    stats = os.statvfs(path)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize, stats.f_blocks * stats.f_frsize
