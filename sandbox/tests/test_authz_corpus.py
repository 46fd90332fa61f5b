"""The policy against what the course really sends, and against mutations of it.

sandbox/tests/fixtures/engine_requests.jsonl holds every request the course's
commands made of a real engine (`manage.py record_engine_requests`). Each must
be allowed, or the course breaks. Then hypothesis mutates their JSON bodies:
dangerous fields and values, case and Unicode folding of names, host settings
moved to the top level, repeated keys. Whatever the policy lets through must
be (1) declared in its table and (2) safe by an oracle written here, apart
from the policy.
"""

import copy
import json
import posixpath
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.tests.authz_helpers import cli_headers, policy, recorded_requests

REQUESTS = recorded_requests()
# The lessons show these being refused, on purpose.
REFUSED_ON_PURPOSE = {"/etc:/host-etc"}


def _is_refused_on_purpose(request) -> bool:
    return any(marker.encode() in request["body"] for marker in REFUSED_ON_PURPOSE)


def test_the_corpus_covers_the_course():
    paths = {re.sub(r"/v1\.\d+", "", request["uri"].split("?")[0]) for request in REQUESTS}
    for needed in (
        "/containers/create",
        "/build",
        "/commit",
        "/images/create",
        "/volumes/create",
        "/networks/create",
        "/images/load",
    ):
        assert needed in paths, f"the recorded course never calls {needed}"
    assert any(path.endswith("/exec") for path in paths)
    assert len(REQUESTS) > 500


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r['method']} {r['uri'][:60]}")
def test_every_request_of_the_course_is_allowed(request_):
    allow, message = policy.decide(request_["method"], request_["uri"], request_["headers"], request_["body"])
    assert allow or _is_refused_on_purpose(request_), message


# --- the independent oracle ---------------------------------------------------------------

HOST_FIELDS = {
    name.casefold()
    for name in (
        "Binds",
        "ContainerIDFile",
        "LogConfig",
        "NetworkMode",
        "PortBindings",
        "RestartPolicy",
        "AutoRemove",
        "VolumeDriver",
        "VolumesFrom",
        "CapAdd",
        "CapDrop",
        "CgroupnsMode",
        "Dns",
        "DnsOptions",
        "DnsSearch",
        "ExtraHosts",
        "GroupAdd",
        "IpcMode",
        "Cgroup",
        "Links",
        "OomScoreAdj",
        "PidMode",
        "Privileged",
        "PublishAllPorts",
        "ReadonlyRootfs",
        "SecurityOpt",
        "StorageOpt",
        "Tmpfs",
        "UTSMode",
        "UsernsMode",
        "ShmSize",
        "Sysctls",
        "Runtime",
        "ConsoleSize",
        "Isolation",
        "CpuShares",
        "Memory",
        "NanoCpus",
        "CgroupParent",
        "Devices",
        "DeviceCgroupRules",
        "DeviceRequests",
        "Mounts",
        "MaskedPaths",
        "ReadonlyPaths",
        "Init",
        "Capabilities",
        "Annotations",
    )
}


def _folded(value):
    if isinstance(value, dict):
        return {str(key).casefold(): _folded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_folded(item) for item in value]
    return value


def _under_home(path: str) -> bool:
    normal = posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else None
    return normal is not None and (normal == "/root" or normal.startswith("/root/"))


def unsafe_host_config(config: dict) -> str | None:
    """Why a (case-folded) HostConfig would weaken the sandbox, or None."""
    for field in (
        "privileged",
        "capadd",
        "capabilities",
        "devices",
        "devicerequests",
        "devicecgrouprules",
        "sysctls",
        "cgroupparent",
        "storageopt",
        "annotations",
        "oomkilldisable",
        "cpurealtimeruntime",
        "cpurealtimeperiod",
    ):
        if config.get(field):
            return field
    for field in ("maskedpaths", "readonlypaths"):
        if config.get(field) is not None:
            return field
    for option in config.get("securityopt") or []:
        if str(option).replace("=", ":") not in ("no-new-privileges", "no-new-privileges:true"):
            return f"securityopt {option}"
    for field in ("pidmode", "ipcmode", "utsmode", "usernsmode", "cgroupnsmode", "cgroup"):
        value = str(config.get(field) or "").strip().lower()
        if value and value not in ("private", "shareable", "none") and not value.startswith("container:"):
            return f"{field}={value}"
    if str(config.get("runtime") or "runc") not in ("runc", "io.containerd.runc.v2"):
        return "runtime"
    if str(config.get("volumedriver") or "local") != "local":
        return "volumedriver"
    log_type = str((config.get("logconfig") or {}).get("type") or "")
    if log_type not in ("", "json-file", "local", "none"):
        return "log driver"
    for bind in config.get("binds") or []:
        source, *rest = str(bind).split(":")
        if source.startswith("/") and not _under_home(source):
            return f"bind {bind}"
        if rest[1:] and any("shared" in option for option in rest[1].split(",")):
            return f"bind {bind}"
    for mount in config.get("mounts") or []:
        kind = str(mount.get("type") or "").lower()
        if kind not in ("bind", "volume", "tmpfs"):
            return f"mount type {kind}"
        if kind == "bind" and not _under_home(str(mount.get("source") or "")):
            return "bind mount"
        if "shared" in str((mount.get("bindoptions") or {}).get("propagation") or ""):
            return "shared propagation"
        driver = (mount.get("volumeoptions") or {}).get("driverconfig") or {}
        if unsafe_volume_options(driver.get("options")):
            return "volume options"
    return None


def unsafe_volume_options(options) -> bool:
    options = {str(key).casefold(): str(value) for key, value in (options or {}).items()}
    return (
        options.get("type", "tmpfs") != "tmpfs"
        or options.get("device", "tmpfs") != "tmpfs"
        or "bind" in options.get("o", "")
    )


def unsafe(path: str, body) -> str | None:
    """The oracle: why this allowed request would be unsafe, or None."""
    body = _folded(body)
    if not isinstance(body, dict):
        return None
    if path == "/containers/create":
        top_level_host = HOST_FIELDS & set(body)
        if top_level_host:
            return f"host settings at the top level: {top_level_host}"
        return unsafe_host_config(body.get("hostconfig") or {})
    if path.endswith("/update"):
        return unsafe_host_config(body)
    if path.endswith("/exec"):
        return "privileged exec" if body.get("privileged") else None
    if path == "/volumes/create":
        return (
            "volume"
            if unsafe_volume_options(body.get("driveropts")) or (body.get("driver") or "local") != "local"
            else None
        )
    if path == "/networks/create":
        return "network driver" if str(body.get("driver") or "bridge").lower() != "bridge" else None
    if path == "/commit":
        return "host settings in commit" if HOST_FIELDS & set(body) - {"volumes"} or "hostconfig" in body else None
    return None


def keys_outside_table(schema, value, path="") -> list[str]:
    """Keys of `value` that the policy's table does not declare (checked field by field)."""
    if isinstance(schema, policy.Obj) and isinstance(value, dict):
        outside = []
        for key, item in value.items():
            known = schema.fields.get(key.casefold())
            if known is None:
                outside.append(f"{path}.{key}")
            else:
                outside += keys_outside_table(known[1], item, f"{path}.{key}")
        return outside
    if isinstance(schema, policy.ListOf) and isinstance(value, list):
        return [key for item in value for key in keys_outside_table(schema.item, item, path + "[]")]
    if isinstance(schema, policy.MapOf) and isinstance(value, dict):
        return [key for item in value.values() for key in keys_outside_table(schema.item, item, path + "{}")]
    return []


# --- mutations -------------------------------------------------------------------------------

JSON_REQUESTS = [r for r in REQUESTS if r["body"].strip() not in (b"", b"null") and not _is_refused_on_purpose(r)]
DANGEROUS_FIELDS = sorted(
    HOST_FIELDS
    | {
        "hostconfig",
        "Privileged",
        "CapAdd",
        "SecurityOpt",
        "Driver",
        "DriverOpts",
        "Type",
        "Source",
        "Propagation",
        "Options",
    }
)
VALUES = st.sampled_from(
    [
        True,
        False,
        None,
        0,
        1,
        "",
        "host",
        "HOST",
        "private",
        "container:web",
        "/",
        "/root",
        "/root/../etc",
        "seccomp=unconfined",
        "no-new-privileges",
        "runsc",
        "syslog",
        "bind",
        "none",
        "rshared",
        "macvlan",
        ["SYS_ADMIN"],
        ["no-new-privileges"],
        ["seccomp=unconfined"],
        [],
        {},
        ["/:/h"],
        ["/root/x:/x:rshared"],
        ["data:/data"],
        [{"Type": "bind", "Source": "/", "Target": "/h"}],
        [{"Type": "bind", "Source": "/root", "Target": "/h"}],
        {"type": "none", "o": "bind", "device": "/"},
        {"net.ipv4.ip_forward": "1"},
        [{"PathOnHost": "/dev/kmsg"}],
        {"Type": "json-file"},
        {"Privileged": True},
    ]
)


# Each restricted setting with values that would weaken the sandbox.
DANGEROUS_SETTINGS = st.sampled_from(
    [
        ("Privileged", True),
        ("CapAdd", ["SYS_ADMIN"]),
        ("Capabilities", ["CAP_SYS_ADMIN"]),
        ("SecurityOpt", ["seccomp=unconfined"]),
        ("SecurityOpt", ["apparmor=unconfined"]),
        ("Devices", [{"PathOnHost": "/dev/kmsg"}]),
        ("DeviceRequests", [{"Count": -1}]),
        ("DeviceCgroupRules", ["a *:* rwm"]),
        ("Sysctls", {"kernel.core_pattern": "|/x"}),
        ("CgroupParent", "/"),
        ("StorageOpt", {"size": "1T"}),
        ("Annotations", {"a": "b"}),
        ("OomKillDisable", True),
        ("CpuRealtimeRuntime", 1),
        ("MaskedPaths", []),
        ("ReadonlyPaths", []),
        ("PidMode", "host"),
        ("IpcMode", "host"),
        ("UTSMode", "host"),
        ("UsernsMode", "host"),
        ("CgroupnsMode", "host"),
        ("Cgroup", "host"),
        ("Runtime", "runsc"),
        ("VolumeDriver", "sshfs"),
        ("LogConfig", {"Type": "syslog"}),
        ("Binds", ["/:/h"]),
        ("Binds", ["/root/../etc:/h"]),
        ("Binds", ["/root:/h:rshared"]),
        ("Mounts", [{"Type": "bind", "Source": "/", "Target": "/h"}]),
        ("Mounts", [{"Type": "bind", "Source": "/root", "Target": "/h", "BindOptions": {"Propagation": "shared"}}]),
        ("Mounts", [{"Type": "image", "Source": "x", "Target": "/h"}]),
        (
            "Mounts",
            [
                {
                    "Type": "volume",
                    "Target": "/h",
                    "VolumeOptions": {"DriverConfig": {"Options": {"type": "none", "o": "bind", "device": "/"}}},
                }
            ],
        ),
        ("DriverOpts", {"type": "none", "o": "bind", "device": "/"}),
        ("Driver", "macvlan"),
        ("Driver", "sshfs"),
        ("HostConfig", {"Privileged": True}),
    ]
)


def _fold_variants(name: str) -> st.SearchStrategy:
    return st.sampled_from(
        [name, name.lower(), name.upper(), name.replace("s", "\u017f"), name.replace("k", "\u212a"), name.swapcase()]
    )


@st.composite
def mutated_request(draw):
    request = draw(st.sampled_from(JSON_REQUESTS))
    body = json.loads(request["body"])
    for _ in range(draw(st.integers(1, 3))):
        containers = [body] + [value for value in body.values() if isinstance(value, dict)]
        target = draw(st.sampled_from(containers))
        action = draw(st.sampled_from(["dangerous", "dangerous", "dangerous", "set", "rename", "hoist", "delete"]))
        if action == "dangerous":
            name, value = draw(DANGEROUS_SETTINGS)
            host_config = next((v for k, v in body.items() if k.casefold() == "hostconfig"), None)
            if isinstance(host_config, dict) and draw(st.booleans()):
                target = host_config
            key = draw(_fold_variants(name))
            existing = next((k for k in target if k.casefold() == key.casefold()), None)
            target.pop(existing, None)  # the same field, another spelling: Go would read this one
            target[key] = copy.deepcopy(value)
        elif action == "set":
            name = draw(st.sampled_from(DANGEROUS_FIELDS + list(target) if target else DANGEROUS_FIELDS))
            target[draw(_fold_variants(name))] = copy.deepcopy(draw(VALUES))
        elif action == "rename" and target:
            name = draw(st.sampled_from(sorted(target)))
            target[draw(_fold_variants(name))] = target.pop(name)
        elif action == "hoist" and isinstance(body.get("HostConfig"), dict) and body["HostConfig"]:
            name = draw(st.sampled_from(sorted(body["HostConfig"])))
            body[name] = body["HostConfig"][name]
        elif action == "delete" and target:
            target.pop(draw(st.sampled_from(sorted(target))))
    raw = json.dumps(body).encode()
    if draw(st.integers(0, 7)) == 0 and b'"HostConfig": {' in raw:  # a repeated key, as raw JSON allows
        raw = raw.replace(b'"HostConfig": {', b'"HostConfig": {"Privileged": true, "privileged": false, ', 1)
    return request, raw


@settings(
    max_examples=4000, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_request())
def test_whatever_the_policy_allows_is_declared_and_safe(case):
    request, body = case
    method, uri = request["method"], request["uri"]
    allow, message = policy.decide(method, uri, cli_headers(method, body), body)
    if not allow:
        return
    path = re.sub(r"^/v1\.\d+", "", uri.split("?")[0])
    value = json.loads(body)
    reason = unsafe(path, value)
    assert reason is None, f"allowed but unsafe ({reason}): {method} {uri} {body[:500]!r}"
    schema = policy.body_kind(method, path)
    assert keys_outside_table(schema, value) == [], f"allowed with undeclared keys: {body[:500]!r}"
