"""Dockyard's policy for the student's nested Docker engine: an allowlist.

Every API request the student's engine receives is decided here, by
`decide(method, uri, headers, body)`, from what dockerd hands its
authorization plugin. A request is allowed only if

- its API version is at least MIN_API_VERSION (older versions take a
  HostConfig on `start`, which is how the first escape worked);
- its method and path are in ROUTES, the endpoints a student needs;
- its body fits what that route declares: no body at all, JSON that fits the
  route's schema (every field named, with its allowed values), or an opaque
  stream (build contexts, image archives, hijacked connections);
- for /build, every query parameter is in BUILD_QUERY with an allowed value.

Anything else is refused with a message naming what was refused. The table
is documented in docs/sandbox-security.md and tested field by field in
sandbox/tests/test_authz_policy.py.

Runs in the engine container with the standard library only, and is pure:
tests import it by file path.

Docker decodes request bodies with Go's encoding/json, which matches field
names case-insensitively (with Unicode folding: "ſ" is "s") and merges
repeated keys; so keys are case-folded here and a repeated key is refused.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import authz_messages

HOME = "/root"
PREFIX = "Dockyard: "
NOT_ALLOWED = "is not allowed in the classroom sandbox"
MIN_API_VERSION = (1, 24)
MAX_BODY = 1 << 20  # dockerd forwards at most 1 MiB; the CLI's JSON bodies are a few KiB

_VERSION = re.compile(r"^/v([0-9.]*)(/.*)$")


class Refused(Exception):
    pass


def decide(method: str, uri: str, headers: dict | None, body: bytes | None, language: str = "en") -> tuple[bool, str]:
    """(allow, message) for one API request; the message is shown to the student, in
    their page's language where authz_messages knows it."""
    try:
        _check(method.upper(), uri, _folded_headers(headers or {}), body or b"")
    except Refused as exc:
        return False, PREFIX + authz_messages.translate(str(exc), language)
    return True, ""


def _folded_headers(headers: dict) -> dict:
    return {str(name).lower(): str(value) for name, value in headers.items()}


# --- schemas: what a JSON body may hold ------------------------------------------


class Schema:
    """Checks one JSON value; raises Refused naming `path` (e.g. HostConfig.Privileged)."""

    def check(self, value, path: str) -> None:
        raise NotImplementedError


class Any(Schema):
    """Any value: the field is harmless whatever it holds (limits, names, labels…)."""

    def check(self, value, path):
        pass


class Empty(Schema):
    """Only an empty value (null, false, 0, "", [], {}): what the CLI sends when the
    flag is not used. `flag` names the option for the student."""

    def __init__(self, flag: str):
        self.flag = flag

    def check(self, value, path):
        if value not in (None, False, 0, "", [], {}):
            raise Refused(f"{self.flag} {NOT_ALLOWED}")


class Absent(Schema):
    """Only null: even an empty list changes something (MaskedPaths: [] unmasks /proc)."""

    def __init__(self, flag: str):
        self.flag = flag

    def check(self, value, path):
        if value is not None:
            raise Refused(f"{self.flag} {NOT_ALLOWED}")


class OneOf(Schema):
    """A string from a fixed set (compared case-insensitively, as Docker does for modes),
    or one matching `pattern`. null counts as ""."""

    def __init__(self, *values: str, flag: str, pattern: str | None = None):
        self.values = {value.lower() for value in values}
        self.pattern = re.compile(pattern) if pattern else None
        self.flag = flag

    def check(self, value, path):
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Refused(f"{path} must be a string")
        if value.strip().lower() in self.values or (self.pattern and self.pattern.fullmatch(value)):
            return
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise Refused(f"{self.flag}={shown} {NOT_ALLOWED}")


class Bools(Schema):
    """true or false; `allowed` says which (null counts as false)."""

    def __init__(self, allowed: tuple, flag: str):
        self.allowed = allowed
        self.flag = flag

    def check(self, value, path):
        if value is None:
            value = False
        if not isinstance(value, bool) or value not in self.allowed:
            raise Refused(f"{self.flag} {NOT_ALLOWED}")


class Obj(Schema):
    """A JSON object whose every key (case-folded) is declared; unknown keys are refused."""

    def __init__(self, fields: dict[str, Schema], nullable: bool = True, empty_is_null: bool = False):
        self.fields = {key.casefold(): (key, schema) for key, schema in fields.items()}
        self.nullable = nullable  # as a whole body: may it be `null`?
        self.empty_is_null = empty_is_null  # ...or empty, with Content-Length: 0?

    def check(self, value, path):
        if value is None:
            return
        if not isinstance(value, dict):
            raise Refused(f"request body could not be inspected ({path or 'the body'} is not an object)")
        for key, item in value.items():
            known = self.fields.get(key.casefold())
            where = f"{path}.{key}" if path else key
            if known is None:
                raise Refused(f"the field {where} {NOT_ALLOWED} (it is not in Dockyard's allowlist)")
            field_name, schema = known
            schema.check(item, f"{path}.{field_name}" if path else field_name)


class ListOf(Schema):
    def __init__(self, item: Schema):
        self.item = item

    def check(self, value, path):
        if value is None:
            return
        if not isinstance(value, list):
            raise Refused(f"request body could not be inspected ({path} is not a list)")
        for index, item in enumerate(value):
            self.item.check(item, f"{path}[{index}]")


class MapOf(Schema):
    """An object with free keys (labels, options) whose values fit `item`."""

    def __init__(self, item: Schema):
        self.item = item

    def check(self, value, path):
        if value is None:
            return
        if not isinstance(value, dict):
            raise Refused(f"request body could not be inspected ({path} is not an object)")
        for key, item in value.items():
            self.item.check(item, f"{path}[{key}]")


class Custom(Schema):
    def __init__(self, fn):
        self.fn = fn

    def check(self, value, path):
        self.fn(value, path)


# --- bind mounts and volumes ----------------------------------------------------

_BIND_OPTIONS = {
    "ro",
    "rw",
    "z",
    "nocopy",
    "private",
    "rprivate",
    "slave",
    "rslave",
    "consistent",
    "cached",
    "delegated",
}
_PROPAGATION = OneOf(
    "", "private", "rprivate", "slave", "rslave", flag="bind propagation (shared mounts reach back into the engine)"
)


def _normalize(path: str) -> str:
    return posixpath.normpath(re.sub("/+", "/", path or "/"))


def _is_under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def check_bind_source(source: str) -> None:
    """Only the student's home, /root, may be bind-mounted, after resolving `..` and symlinks."""
    if not source.startswith("/"):
        raise Refused(f"bind mounts must name an absolute path under {HOME}")
    normal = _normalize(source)
    if not _is_under(normal, (HOME,)):
        raise Refused(
            f"bind mounts from outside {HOME} are not allowed ({source}); use a path under ~/ or a named volume"
        )
    # The policy runs beside dockerd, so this resolves as dockerd will.
    if not _is_under(os.path.realpath(normal), (HOME,)):
        raise Refused(f"bind mounts through symlinks leading outside {HOME} are not allowed ({source})")


def _check_bind(value, path):
    """ "SOURCE:TARGET[:OPTIONS]": a named volume, or a path under /root."""
    if not isinstance(value, str):
        raise Refused(f"request body could not be inspected ({path} is not a string)")
    parts = value.split(":")
    if len(parts) not in (2, 3):
        raise Refused(f"the bind {value!r} is not allowed: it is not SOURCE:TARGET[:OPTIONS]")
    source = parts[0]
    if source.startswith("/"):
        check_bind_source(source)
    elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", source):
        raise Refused(f"the bind source {source!r} is not allowed: neither a volume name nor a path under {HOME}")
    if len(parts) == 3:
        for option in parts[2].split(","):
            if option.lower() not in _BIND_OPTIONS:
                raise Refused(f"the bind option {option!r} {NOT_ALLOWED}")


_LOCAL = OneOf("", "local", flag="volume drivers other than local")
_VOLUME_MOUNT_OPTIONS = {
    "size",
    "mode",
    "uid",
    "gid",
    "nr_inodes",
    "nr_blocks",
    "noexec",
    "nosuid",
    "nodev",
    "exec",
    "suid",
    "dev",
    "ro",
    "rw",
}


def _check_volume_driver_options(value, path):
    """The local driver may only mount a tmpfs: `type=none,o=bind,device=/` would bind a host path."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise Refused(f"request body could not be inspected ({path} is not an object)")
    refusal = (
        "volumes that mount host paths or devices (driver options o=bind, device=, type=) are "
        "not allowed in the classroom sandbox"
    )
    for key, item in value.items():
        key, item = str(key).casefold(), str(item)
        if key in ("type", "device"):
            if item != "tmpfs":
                raise Refused(refusal)
        elif key == "o":
            for option in item.split(","):
                if option.split("=", 1)[0].strip().lower() not in _VOLUME_MOUNT_OPTIONS:
                    raise Refused(refusal)
        else:
            raise Refused(f"the volume driver option {key!r} {NOT_ALLOWED}")


_DRIVER_CONFIG = Obj({"Name": _LOCAL, "Options": Custom(_check_volume_driver_options)})


def _check_mount(value, path):
    if not isinstance(value, dict):
        raise Refused(f"request body could not be inspected ({path} is not an object)")
    kind = str({str(k).casefold(): v for k, v in value.items()}.get("type") or "").lower()
    if kind not in ("bind", "volume", "tmpfs"):
        raise Refused(f"mounts of type {kind or '(none)'!r} are not allowed in the classroom sandbox")
    MOUNT.check(value, path)
    if kind == "bind":
        source = next((v for k, v in value.items() if str(k).casefold() == "source"), "")
        check_bind_source(str(source or ""))


MOUNT = Obj(
    {
        "Type": Any(),  # checked in _check_mount
        "Source": Any(),  # a bind's source is checked in _check_mount; else a volume name
        "Target": Any(),
        "ReadOnly": Any(),
        "Consistency": Any(),
        "BindOptions": Obj(
            {
                "Propagation": _PROPAGATION,
                "NonRecursive": Any(),
                "CreateMountpoint": Any(),
                "ReadOnlyNonRecursive": Any(),
                "ReadOnlyForceRecursive": Any(),
            }
        ),
        "VolumeOptions": Obj({"NoCopy": Any(), "Labels": Any(), "Subpath": Any(), "DriverConfig": _DRIVER_CONFIG}),
        "TmpfsOptions": Obj({"SizeBytes": Any(), "Mode": Any(), "Options": Any()}),
    }
)

# --- containers -------------------------------------------------------------------

_CONTAINER_REF = r"container:[A-Za-z0-9][A-Za-z0-9_.-]*"
_ZERO_DEVICES = Empty("per-device I/O limits (--device-read-bps and friends)")

# What `docker run --cpus/--memory/--pids-limit/...` sets. Raising them is fine:
# the engine's own container limits still bound everything nested.
RESOURCES = {
    "CpuShares": Any(),
    "Memory": Any(),
    "NanoCpus": Any(),
    "CgroupParent": Empty("--cgroup-parent"),
    "BlkioWeight": Any(),
    "BlkioWeightDevice": _ZERO_DEVICES,
    "BlkioDeviceReadBps": _ZERO_DEVICES,
    "BlkioDeviceWriteBps": _ZERO_DEVICES,
    "BlkioDeviceReadIOps": _ZERO_DEVICES,
    "BlkioDeviceWriteIOps": _ZERO_DEVICES,
    "CpuPeriod": Any(),
    "CpuQuota": Any(),
    "CpuRealtimePeriod": Empty("real-time CPU scheduling"),
    "CpuRealtimeRuntime": Empty("real-time CPU scheduling"),
    "CpusetCpus": Any(),
    "CpusetMems": Any(),
    "Devices": Empty("--device"),
    "DeviceCgroupRules": Empty("--device-cgroup-rule"),
    "DeviceRequests": Empty("--gpus and device requests"),
    "KernelMemory": Any(),
    "KernelMemoryTCP": Any(),
    "MemoryReservation": Any(),
    "MemorySwap": Any(),
    "MemorySwappiness": Any(),
    "OomKillDisable": Bools((False,), flag="--oom-kill-disable"),
    "PidsLimit": Any(),
    "Ulimits": ListOf(Obj({"Name": Any(), "Soft": Any(), "Hard": Any()})),
    "CpuCount": Any(),
    "CpuPercent": Any(),
    "IOMaximumIOps": Any(),
    "IOMaximumBandwidth": Any(),
}

HOST_CONFIG = Obj(
    {
        **RESOURCES,
        "Binds": ListOf(Custom(_check_bind)),
        "ContainerIDFile": Any(),
        "LogConfig": Obj(
            {
                "Type": OneOf("", "json-file", "local", "none", flag="--log-driver"),
                "Config": MapOf(Any()),
            }
        ),
        # host is the engine's own network namespace, which the student's shell shares anyway.
        "NetworkMode": Any(),
        "PortBindings": Any(),
        "RestartPolicy": Obj({"Name": Any(), "MaximumRetryCount": Any()}),
        "AutoRemove": Any(),
        "VolumeDriver": _LOCAL,
        "VolumesFrom": Any(),  # the student's own containers
        "ConsoleSize": Any(),
        "Annotations": Empty("--annotation"),
        "CapAdd": Empty("--cap-add"),
        "CapDrop": Any(),
        "Capabilities": Empty("setting the capability set"),
        "CgroupnsMode": OneOf("", "private", flag="--cgroupns"),
        "Dns": Any(),
        "DnsOptions": Any(),
        "DnsSearch": Any(),
        "ExtraHosts": Any(),
        "GroupAdd": Any(),
        "IpcMode": OneOf("", "none", "private", "shareable", flag="--ipc", pattern=_CONTAINER_REF),
        "Cgroup": OneOf("", flag="--cgroup", pattern=_CONTAINER_REF),
        "Links": Any(),
        "OomScoreAdj": Any(),
        "PidMode": OneOf("", flag="--pid", pattern=_CONTAINER_REF),
        "Privileged": Bools((False,), flag="--privileged"),
        "PublishAllPorts": Any(),
        "ReadonlyRootfs": Any(),
        "SecurityOpt": ListOf(
            OneOf("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true", flag="--security-opt")
        ),
        "StorageOpt": Empty("--storage-opt"),
        "Tmpfs": MapOf(Any()),
        "UTSMode": OneOf("", flag="--uts"),
        "UsernsMode": OneOf("", flag="--userns"),
        "ShmSize": Any(),
        "Sysctls": Empty("--sysctl"),
        "Runtime": OneOf("", "runc", "io.containerd.runc.v2", flag="--runtime"),
        "Isolation": OneOf("", "default", flag="--isolation"),
        "Mounts": ListOf(Custom(_check_mount)),
        # Present at all, even [], they change what is masked in /proc: `--security-opt
        # systempaths=unconfined` sends [] and leaves /proc/sys writable.
        "MaskedPaths": Absent("changing the masked /proc paths"),
        "ReadonlyPaths": Absent("changing the read-only /proc paths"),
        "Init": Any(),
    }
)

HEALTHCHECK = Obj(
    {"Test": Any(), "Interval": Any(), "Timeout": Any(), "StartPeriod": Any(), "StartInterval": Any(), "Retries": Any()}
)

# container.Config: what runs, not how it is confined. Also the body of /commit.
CONFIG = {
    "Hostname": Any(),
    "Domainname": Any(),
    "User": Any(),
    "AttachStdin": Any(),
    "AttachStdout": Any(),
    "AttachStderr": Any(),
    "ExposedPorts": Any(),
    "Tty": Any(),
    "OpenStdin": Any(),
    "StdinOnce": Any(),
    "Env": Any(),
    "Cmd": Any(),
    "Healthcheck": HEALTHCHECK,
    "ArgsEscaped": Any(),
    "Image": Any(),
    "Volumes": Any(),
    "WorkingDir": Any(),
    "Entrypoint": Any(),
    "NetworkDisabled": Any(),
    "MacAddress": Any(),
    "OnBuild": Any(),
    "Labels": Any(),
    "StopSignal": Any(),
    "StopTimeout": Any(),
    "Shell": Any(),
}

ENDPOINT_SETTINGS = Obj(
    {
        "IPAMConfig": Obj({"IPv4Address": Any(), "IPv6Address": Any(), "LinkLocalIPs": Any()}),
        "Links": Any(),
        "Aliases": Any(),
        "DriverOpts": Any(),
        "GwPriority": Any(),
        "NetworkID": Any(),
        "EndpointID": Any(),
        "Gateway": Any(),
        "IPAddress": Any(),
        "MacAddress": Any(),
        "IPPrefixLen": Any(),
        "IPv6Gateway": Any(),
        "GlobalIPv6Address": Any(),
        "GlobalIPv6PrefixLen": Any(),
        "DNSNames": Any(),
        "IPv4Address": Any(),
        "IPv6Address": Any(),
        "LinkLocalIPs": Any(),
    }
)

# Host settings at the top level (which Docker still reads when HostConfig is
# absent) are simply not declared here, so they are refused as unknown fields.
CONTAINER_CREATE = Obj(
    {
        **CONFIG,
        "HostConfig": HOST_CONFIG,
        "NetworkingConfig": Obj({"EndpointsConfig": MapOf(ENDPOINT_SETTINGS)}),
    },
    nullable=False,
)

CONTAINER_UPDATE = Obj({**RESOURCES, "RestartPolicy": Obj({"Name": Any(), "MaximumRetryCount": Any()})}, nullable=False)

EXEC_CREATE = Obj(
    {
        "User": Any(),
        "Privileged": Bools((False,), flag="docker exec --privileged"),
        "Tty": Any(),
        "ConsoleSize": Any(),
        "AttachStdin": Any(),
        "AttachStdout": Any(),
        "AttachStderr": Any(),
        "Detach": Any(),
        "DetachKeys": Any(),
        "Env": Any(),
        "WorkingDir": Any(),
        "Cmd": Any(),
    },
    nullable=False,
)

EXEC_START = Obj({"Detach": Any(), "Tty": Any(), "ConsoleSize": Any()})

# `docker commit` without --change sends `null` (CLI 20.10) or no body at all (26);
# dockerd reads an empty body as no configuration.
COMMIT = Obj(CONFIG, empty_is_null=True)

VOLUME_CREATE = Obj(
    {
        "Name": Any(),
        "Driver": _LOCAL,
        "DriverOpts": Custom(_check_volume_driver_options),
        "Labels": Any(),
    }
)

# Networks live inside the student's engine. Only the bridge driver: macvlan and
# ipvlan would put nested containers on the engine's own network.
NETWORK_CREATE = Obj(
    {
        "Name": Any(),
        "CheckDuplicate": Any(),
        "Driver": OneOf("", "bridge", flag="network drivers other than bridge (--driver)"),
        "Scope": OneOf("", "local", flag="--scope"),
        "EnableIPv4": Any(),
        "EnableIPv6": Any(),
        "IPAM": Obj(
            {
                "Driver": OneOf("", "default", flag="--ipam-driver"),
                "Options": Any(),
                "Config": ListOf(
                    Obj({"Subnet": Any(), "IPRange": Any(), "Gateway": Any(), "AuxiliaryAddresses": Any()})
                ),
            }
        ),
        "Internal": Any(),
        "Attachable": Any(),
        "Ingress": Bools((False,), flag="--ingress"),
        "ConfigOnly": Any(),
        "ConfigFrom": Obj({"Network": Any()}),
        "Options": Any(),
        "Labels": Any(),
    }
)

NETWORK_CONNECT = Obj({"Container": Any(), "EndpointConfig": ENDPOINT_SETTINGS})
NETWORK_DISCONNECT = Obj({"Container": Any(), "Force": Any()})

# --- /build: its options are query parameters ----------------------------------------


class Query:
    """Allowed query parameters (exact names, as Go's r.FormValue reads them)."""

    def __init__(self, params: dict[str, Schema]):
        self.params = params

    def check(self, pairs: list[tuple[str, str]]) -> None:
        for name, value in pairs:
            schema = self.params.get(name)
            if schema is None:
                raise Refused(f"the build option {name!r} {NOT_ALLOWED} (it is not in Dockyard's allowlist)")
            schema.check(value, name)


def _json_query(schema: Schema):
    def check(value, path):
        if value in ("", None):
            return
        try:
            decoded = json.loads(value, object_pairs_hook=_no_repeated_keys)
        except ValueError:
            raise Refused(f"the build option {path} could not be inspected (not JSON)") from None
        schema.check(decoded, path)

    return Custom(check)


BUILD_QUERY = Query(
    {
        "dockerfile": Any(),
        "t": Any(),
        "extrahosts": Any(),
        "remote": Any(),
        "q": Any(),
        "nocache": Any(),
        "cachefrom": Any(),
        "pull": Any(),
        "rm": Any(),
        "forcerm": Any(),
        "memory": Any(),
        "memswap": Any(),
        "cpushares": Any(),
        "cpusetcpus": Any(),
        "cpusetmems": Any(),
        "cpuperiod": Any(),
        "cpuquota": Any(),
        "buildargs": Any(),
        "shmsize": Any(),
        "squash": Any(),
        "labels": Any(),
        "platform": Any(),
        "target": Any(),
        "session": Any(),
        "buildid": Any(),
        "version": OneOf("", "1", "2", flag="builder version"),
        "networkmode": OneOf("", "default", "bridge", "host", "none", flag="docker build --network"),
        "isolation": OneOf("", "default", flag="--isolation"),
        "ulimits": _json_query(ListOf(Obj({"Name": Any(), "Soft": Any(), "Hard": Any()}))),
        "outputs": _json_query(
            ListOf(
                Obj(
                    {
                        "Type": OneOf(
                            "local", "tar", "image", "moby", "docker", "cacheonly", flag="docker build --output type"
                        ),
                        "Attrs": Any(),
                    }
                )
            )
        ),
        # The classic builder gives each RUN step these host settings.
        "cgroupparent": Empty("--cgroup-parent"),
        "securityopt": Empty("docker build --security-opt"),
    }
)

# --- the endpoints -------------------------------------------------------------------

NONE = "none"  # no body
STREAM = "stream"  # an opaque body: tar archives, hijacked streams, BuildKit sessions

_ID = r"[^/]+"  # a container, network, volume or exec id or name
_IMAGE = r".+"  # image references contain slashes (127.0.0.1:5000/library/nginx)

# (method, path after the version prefix, body: NONE, STREAM or a JSON schema)
ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/_ping", NONE),
    ("HEAD", "/_ping", NONE),
    ("GET", "/version", NONE),
    ("GET", "/info", NONE),
    ("GET", "/events", NONE),
    ("GET", "/system/df", NONE),
    ("POST", "/auth", STREAM),  # credentials for a registry; dockerd never forwards this body
    # containers
    ("GET", "/containers/json", NONE),
    ("POST", "/containers/create", CONTAINER_CREATE),
    ("POST", "/containers/prune", NONE),
    *[
        ("GET", f"/containers/{_ID}/{action}", NONE)
        for action in ("json", "top", "logs", "changes", "export", "stats", "attach/ws")
    ],
    *[
        ("POST", f"/containers/{_ID}/{action}", NONE)
        for action in ("start", "stop", "restart", "kill", "pause", "unpause", "wait", "resize", "rename", "attach")
    ],
    ("POST", f"/containers/{_ID}/update", CONTAINER_UPDATE),
    ("POST", f"/containers/{_ID}/exec", EXEC_CREATE),
    ("DELETE", f"/containers/{_ID}", NONE),
    ("GET", f"/containers/{_ID}/archive", NONE),
    ("HEAD", f"/containers/{_ID}/archive", NONE),
    ("PUT", f"/containers/{_ID}/archive", STREAM),
    ("POST", "/commit", COMMIT),
    # exec
    ("POST", f"/exec/{_ID}/start", EXEC_START),
    ("POST", f"/exec/{_ID}/resize", NONE),
    ("GET", f"/exec/{_ID}/json", NONE),
    # images
    ("GET", "/images/json", NONE),
    ("GET", "/images/search", NONE),
    ("GET", "/images/get", NONE),
    ("POST", "/images/create", STREAM),  # a pull, or `docker import` of a tar archive
    ("POST", "/images/load", STREAM),
    ("POST", "/images/prune", NONE),
    *[("GET", f"/images/{_IMAGE}/{action}", NONE) for action in ("json", "history", "get")],
    ("POST", f"/images/{_IMAGE}/tag", NONE),
    ("POST", f"/images/{_IMAGE}/push", NONE),
    ("DELETE", f"/images/{_IMAGE}", NONE),
    ("GET", f"/distribution/{_IMAGE}/json", NONE),
    # builds
    ("POST", "/build", STREAM),  # query checked against BUILD_QUERY
    ("POST", "/build/prune", NONE),
    ("POST", "/build/cancel", NONE),
    ("POST", "/session", STREAM),
    ("POST", "/grpc", STREAM),  # BuildKit (entitlements: daemon.json)
    # networks
    ("GET", "/networks", NONE),
    ("GET", f"/networks/{_ID}", NONE),
    ("POST", "/networks/create", NETWORK_CREATE),
    ("POST", f"/networks/{_ID}/connect", NETWORK_CONNECT),
    ("POST", f"/networks/{_ID}/disconnect", NETWORK_DISCONNECT),
    ("POST", "/networks/prune", NONE),
    ("DELETE", f"/networks/{_ID}", NONE),
    # volumes
    ("GET", "/volumes", NONE),
    ("GET", f"/volumes/{_ID}", NONE),
    ("POST", "/volumes/create", VOLUME_CREATE),
    ("POST", "/volumes/prune", NONE),
    ("DELETE", f"/volumes/{_ID}", NONE),
]
_COMPILED = [(method, re.compile(pattern), body) for method, pattern, body in ROUTES]

# Clearer words for what students reach for most often outside the table.
_NOT_IN_COURSE = [
    (
        ("/swarm", "/services", "/nodes", "/secrets", "/configs", "/tasks"),
        "swarm mode (services, nodes, secrets, configs) " + NOT_ALLOWED,
    ),
    (("/plugins",), "Docker plugins are not allowed in the classroom sandbox"),
]

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _check(method: str, uri: str, headers: dict, body: bytes) -> None:
    parts = urlsplit(uri)
    path = api_path(parts.path)
    if "content-type" in headers and headers["content-type"].split(";")[0].strip().lower() in _FORM_TYPES:
        # Go's r.FormValue reads such a body as query parameters: build options the policy cannot see.
        raise Refused("form-encoded request bodies are not allowed in the classroom sandbox")
    kind = body_kind(method, path)
    if kind is None:
        for roots, message in _NOT_IN_COURSE:
            if _is_under(path, roots):
                raise Refused(message)
        raise Refused(f"{method} {path[:80]} {NOT_ALLOWED} (the endpoint is not in Dockyard's allowlist)")
    if path == "/build":
        BUILD_QUERY.check(parse_qsl(parts.query, keep_blank_values=True))
    if kind == STREAM:
        return
    if kind == NONE:
        _check_no_body(method, path, headers, body)
        return
    kind.check(_json_body(kind, headers, body), "")


def stored_container_problem(host_config: dict, cgroup_v1: bool = False) -> str | None:
    """Why a container dockerd already holds (its stored HostConfig, as `docker inspect`
    shows it) would not be allowed today, or None. Containers made through an older,
    weaker policy must not be started again; what dockerd itself filled in for a
    request the policy allowed is not held against them."""
    config = dict(host_config or {})
    for field in ("MaskedPaths", "ReadonlyPaths"):
        # Stored containers list the masked paths dockerd applied; only an empty list unmasks.
        if config.get(field):
            config[field] = None
    if cgroup_v1 and config.get("CgroupnsMode") == "host":
        # On cgroup v1 dockerd stores "host" for every container that asked for no
        # mode: the engine's own (private) namespace, the default. Refusing it would
        # remove every container of the student whenever their engine restarts.
        config["CgroupnsMode"] = ""
    try:
        HOST_CONFIG.check(config, "HostConfig")
    except Refused as exc:
        return str(exc)
    return None


def body_kind(method: str, path: str):
    """NONE, STREAM or the JSON schema of an allowed endpoint; None if it is not in ROUTES."""
    return next((body for m, pattern, body in _COMPILED if m == method and pattern.fullmatch(path)), None)


def api_path(raw: str) -> str:
    """The path dockerd routes on, without its /v1.xx prefix; non-canonical paths are refused."""
    path = unquote(raw)
    if path != _normalize(path) or "\x00" in path:
        raise Refused("the request path is not in canonical form")
    match = _VERSION.match(path)
    if match is None:
        return path  # no version: dockerd serves its current API version
    version = match.group(1)
    numbers = re.fullmatch(r"([0-9]{1,3})\.([0-9]{1,3})", version)
    if numbers is None or (int(numbers[1]), int(numbers[2])) < MIN_API_VERSION:
        minimum = "%d.%d" % MIN_API_VERSION
        raise Refused(f"API version {version[:10] or '(empty)'} {NOT_ALLOWED}; use {minimum} or later")
    return match.group(2)


def _check_no_body(method: str, path: str, headers: dict, body: bytes) -> None:
    """No body, and none hidden: dockerd does not forward a chunked body that it has not
    seen the end of, so a POST or PUT must say Content-Length: 0 (the CLI always does)."""
    length = headers.get("content-length")
    if body or (length is not None and length.strip() != "0"):
        raise Refused(f"a request body on {method} {path[:80]} {NOT_ALLOWED}")
    if method in ("POST", "PUT") and length is None:
        raise Refused(
            f"{method} {path[:80]} without Content-Length (a chunked body) {NOT_ALLOWED}; send Content-Length: 0"
        )


def _no_repeated_keys(pairs: list) -> dict:
    result, seen = {}, set()
    for key, value in pairs:
        folded = key.casefold()
        if folded in seen:
            raise Refused(f"the request repeats the field {key!r}; request body could not be inspected")
        seen.add(folded)
        result[key] = value
    return result


def _json_body(schema: Obj, headers: dict, body: bytes):
    if "content-length" not in headers:
        raise Refused("request body could not be inspected (sent in chunks, without Content-Length)")
    if not body and schema.empty_is_null and headers.get("content-length") == "0":
        return None
    if not body or len(body) > MAX_BODY:
        raise Refused("request body could not be inspected (missing, too large or not JSON)")
    try:
        config = json.loads(body.decode("utf-8"), object_pairs_hook=_no_repeated_keys)
    except (UnicodeDecodeError, ValueError):
        raise Refused("request body could not be inspected (missing, too large or not JSON)") from None
    if not isinstance(config, dict) and not (config is None and schema.nullable):
        raise Refused("request body could not be inspected (not a JSON object)")
    return config
