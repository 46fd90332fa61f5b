"""What the Docker backend asks the engine for: names, labels and container options.

Kept apart from the backend's control flow so the security-relevant options
can be read (and reviewed) in one place.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import ipaddress
import uuid
from pathlib import Path

from django.conf import settings
from docker.types import IPAMConfig, IPAMPool

from sandbox.backends.base import HOME

IMAGES_DIR = Path(__file__).resolve().parents[2] / "images"
SOCKET_DIR = "/run/dockyard"
SOCKET_PATH = f"{SOCKET_DIR}/docker.sock"
LANGUAGE_FILE = f"{SOCKET_DIR}/language"  # the student's page language: the guard words refusals in it
ENGINE_UP_FILE = f"{SOCKET_DIR}/engine-up"  # there while the student's engine runs (it starts on first use)
COURSE_LAYERS_DIR = "/var/lib/dockyard-layers"  # the course's unpacked layers (course_layers.py), read-only
LABEL = "dockyard.sandbox"  # value: the sandbox key
ROLE_LABEL = "dockyard.role"  # engine | workspace | network | volume

# Linux capabilities the student's shell has no use for.
WORKSPACE_CAP_DROP = ["MKNOD", "AUDIT_WRITE", "SETFCAP", "SYS_CHROOT", "NET_RAW"]


@dataclasses.dataclass(frozen=True)
class Names:
    key: str

    @property
    def engine(self) -> str:
        return f"{settings.SANDBOX_NAME_PREFIX}-{self.key}-engine"

    @property
    def workspace(self) -> str:
        return f"{settings.SANDBOX_NAME_PREFIX}-{self.key}-workspace"

    @property
    def network(self) -> str:
        return f"{settings.SANDBOX_NAME_PREFIX}-{self.key}-net"

    def volume(self, purpose: str) -> str:
        return f"{settings.SANDBOX_NAME_PREFIX}-{self.key}-{purpose}"

    @property
    def bridge(self) -> str:
        """The network's Linux bridge: `dy` + 12 hex digits (interface names stop at 15)."""
        return BRIDGE_PREFIX + hashlib.sha256(self.network.encode()).hexdigest()[:12]


# Every sandbox bridge starts with this, so one firewall rule covers them all.
BRIDGE_PREFIX = "dy"


POOL_KEY_PREFIX = "pool-"


def new_pool_key() -> str:
    return POOL_KEY_PREFIX + uuid.uuid4().hex[:10]


def is_pool_key(key: str) -> bool:
    return key.startswith(POOL_KEY_PREFIX)


def key_from_name(name: str, role: str | None) -> str | None:
    """The sandbox key in a container name `<prefix>-<key>-<role>`, or None if it is not ours."""
    head, tail = f"{settings.SANDBOX_NAME_PREFIX}-", f"-{role}"
    if not role or not name.startswith(head) or not name.endswith(tail):
        return None
    return name[len(head) : -len(tail)] or None


def image(role: str, tag: str = "latest") -> str:
    """Every image Dockyard builds is named here: <SANDBOX_IMAGE_PREFIX>/<role>:<tag>."""
    return f"{settings.SANDBOX_IMAGE_PREFIX}/{role}:{tag}"


@functools.cache
def engine_seccomp_profile() -> str:
    """Docker's default profile plus only what nested dockerd/runc need (see the file)."""
    return (IMAGES_DIR / "engine" / "seccomp.json").read_text()


# The engine logs every request its guard refuses (~200 bytes each, and the
# student can make as many as they like); without rotation the host's disk fills.
LOG_CONFIG = {"type": "json-file", "config": {"max-size": "1m", "max-file": "2"}}
# The workspace's own process only sleeps (the shell is an exec), and no one reads
# its output: without a log, what the student writes there reaches no host disk, and
# the host's dockerd holds one log file fewer per sandbox (its open files limit density).
WORKSPACE_LOG_CONFIG = {"type": "none"}


def labels(key: str, role: str) -> dict[str, str]:
    return {LABEL: key, ROLE_LABEL: role}


def _cpus(value: float) -> int:
    return int(value * 1e9)


def sandbox_subnets():
    """The small subnets sandbox networks take from SANDBOX_SUBNET_POOL, in order.

    Docker's default pools hold about 30 bridge networks; a classroom needs hundreds.
    """
    pool = ipaddress.ip_network(settings.SANDBOX_SUBNET_POOL)
    return pool.subnets(new_prefix=settings.SANDBOX_SUBNET_PREFIX)


def network_options(names: Names, subnet) -> dict:
    return dict(
        name=names.network,
        driver="bridge",
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=str(subnet), gateway=str(next(subnet.hosts())))]),
        labels=labels(names.key, "network"),
        options={
            "com.docker.network.bridge.enable_icc": "false",
            "com.docker.network.bridge.name": names.bridge,
        },
    )


def course_layers_volume() -> str:
    """The host volume with the course's unpacked layers: one per image prefix, shared by all sandboxes."""
    return f"{settings.SANDBOX_IMAGE_PREFIX}-course-layers"


def shares_course_layers() -> bool:
    return (
        settings.IMAGE_CACHE_ENABLED
        and settings.IMAGE_CACHE_SHARED_LAYERS
        and settings.SANDBOX_ENGINE_MODE == "rootful"
    )


def engine_environment() -> dict[str, str]:
    environment = {
        "DOCKYARD_ENGINE_START": settings.SANDBOX_ENGINE_START,
        "DOCKYARD_ENGINE_IDLE_SECONDS": str(settings.SANDBOX_ENGINE_QUIET_SECONDS),
    }
    if settings.IMAGE_CACHE_ENABLED:
        environment["DOCKYARD_MIRROR_PORT"] = str(settings.IMAGE_CACHE_PORT)
    return environment


def engine_options(names: Names) -> dict:
    """The engine container runs the student's dockerd; the student never gets a shell here."""
    options = dict(
        image=image("engine"),
        name=names.engine,
        hostname="sandbox",
        labels=labels(names.key, "engine"),
        detach=True,
        init=True,
        # SYS_PTRACE: runc must open the namespaces of nested processes that dropped root
        # (`docker exec` into redis); without it: "error executing setns process".
        cap_add=["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"],
        cgroupns="private",
        security_opt=[f"seccomp={engine_seccomp_profile()}"],
        log_config=LOG_CONFIG,
        network=names.network,
        volumes={
            names.volume("docker"): {"bind": "/var/lib/docker", "mode": "rw"},
            names.volume("run"): {"bind": SOCKET_DIR, "mode": "rw"},
            names.volume("home"): {"bind": HOME, "mode": "rw"},
        },
        environment=engine_environment(),
        mem_limit=settings.SANDBOX_ENGINE_MEMORY,
        memswap_limit=settings.SANDBOX_ENGINE_MEMORY,
        nano_cpus=_cpus(settings.SANDBOX_ENGINE_CPUS),
        pids_limit=settings.SANDBOX_ENGINE_PIDS,
    )
    if shares_course_layers():
        # Read-only: every sandbox's engine links to the same files (course_layers.py in the engine image).
        options["volumes"][course_layers_volume()] = {"bind": COURSE_LAYERS_DIR, "mode": "ro"}
    if settings.SANDBOX_ENGINE_MODE == "rootless":
        options.update(
            # SYS_ADMIN only for the entrypoint's mounts; dockerd and every nested
            # container run in a user namespace without any capability outside it.
            cap_add=["SYS_ADMIN"],
            devices=["/dev/net/tun:/dev/net/tun:rwm"],  # slirp4netns, the engine's network
            sysctls={"net.ipv4.ip_unprivileged_port_start": "0"},  # -p 80:80 as the rootless user
            environment={**options["environment"], "DOCKYARD_ENGINE_MODE": "rootless"},
        )
    return options


def workspace_options(names: Names, engine_id: str) -> dict:
    """The workspace holds the student's shell: default seccomp, fewer capabilities."""
    return dict(
        image=image("workspace"),
        name=names.workspace,
        labels=labels(names.key, "workspace"),
        detach=True,
        init=True,
        cap_drop=WORKSPACE_CAP_DROP,
        security_opt=["no-new-privileges"],
        network_mode=f"container:{engine_id}",
        log_config=WORKSPACE_LOG_CONFIG,
        # Nothing the student writes outside the home folder (on the sandbox's own disk)
        # reaches the host's disk: a read-only root, small in-memory scratch folders.
        read_only=True,
        tmpfs={"/tmp": "size=64m,mode=1777", "/var/tmp": "size=16m,mode=1777", "/run": "size=8m,mode=755"},
        volumes={
            names.volume("run"): {"bind": SOCKET_DIR, "mode": "rw"},
            names.volume("home"): {"bind": HOME, "mode": "rw"},
        },
        environment={"DOCKER_HOST": f"unix://{SOCKET_PATH}"},
        working_dir=HOME,
        mem_limit=settings.SANDBOX_WORKSPACE_MEMORY,
        memswap_limit=settings.SANDBOX_WORKSPACE_MEMORY,
        nano_cpus=_cpus(settings.SANDBOX_WORKSPACE_CPUS),
        pids_limit=settings.SANDBOX_WORKSPACE_PIDS,
    )
