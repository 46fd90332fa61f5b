#!/usr/bin/env python3
"""Dockyard's Docker authorization plugin: keeps the student's nested engine
from handing out what would reach the engine container or the host.

Runs in the engine container with the standard library only. `decide()` is
the whole policy and is pure, so tests import it by file path; the rest is
a small threaded HTTP server on a unix socket speaking Docker's AuthZ
plugin protocol. Every refusal, and why, is listed in
docs/sandbox-security.md.

Docker decodes request bodies with Go's encoding/json, which matches field
names case-insensitively (with Unicode folding) and merges repeated keys;
so keys are case-folded here and any repeated key is refused.
"""
from __future__ import annotations

import base64
import json
import os
import posixpath
import re
import socketserver
import sys
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

HOME = "/root"
PREFIX = "Dockyard: "
CLASSROOM = "is not allowed in the classroom sandbox"

_VERSION = re.compile(r"^/v[0-9]+(\.[0-9]+)?(?=/)")
_SWARM = ("/swarm", "/services", "/nodes", "/secrets", "/configs", "/tasks")
_CONTAINER_ACTION = re.compile(r"^/containers/[^/]+/(exec|update)$")
_HOST_NAMESPACES = {
    "pidmode": "--pid=host",
    "ipcmode": "--ipc=host",
    "utsmode": "--uts=host",
    "usernsmode": "--userns=host",
    "cgroupnsmode": "--cgroupns=host",
}
# Each value is refused when set to anything non-empty.
_REFUSED_FIELDS = {
    "privileged": "--privileged",
    "capadd": "--cap-add",
    "capabilities": "setting the capability set",
    "securityopt": "--security-opt",
    "devices": "--device",
    "devicerequests": "--gpus and device requests",
    "devicecgrouprules": "--device-cgroup-rule",
    "sysctls": "--sysctl",
    "cgroupparent": "--cgroup-parent",
}
# Refused whenever present: an empty list is what unmasks /proc.
_REFUSED_IF_PRESENT = {
    "maskedpaths": "changing the masked /proc paths",
    "readonlypaths": "changing the read-only /proc paths",
}
_LOCAL_DRIVERS = ("", "local")
_MOUNT_TYPES = ("bind", "volume", "tmpfs")


class Refused(Exception):
    pass


def decide(method: str, uri: str, body: bytes | None) -> tuple[bool, str]:
    """(allow, message) for one API request; the message is shown to the student."""
    try:
        _check(method.upper(), uri, body or b"")
    except Refused as exc:
        return False, PREFIX + str(exc)
    return True, ""


def _check(method: str, uri: str, body: bytes) -> None:
    parts = urlsplit(uri)
    path = _VERSION.sub("", _normalize(unquote(parts.path)))
    if _is_under(path, _SWARM):
        raise Refused("swarm mode (services, nodes, secrets, configs) " + CLASSROOM)
    if _is_under(path, ("/plugins",)):
        raise Refused("Docker plugins are " + CLASSROOM.replace("is ", "", 1))
    if method != "POST":
        return
    if path == "/containers/create":
        _check_container(_json_body(body))
    elif path == "/volumes/create":
        _check_volume(_json_body(body))
    elif path == "/build":
        _check_build(parse_qs(parts.query))
    elif match := _CONTAINER_ACTION.match(path):
        config = _json_body(body)
        if match.group(1) == "exec":
            if config.get("privileged"):
                raise Refused("docker exec --privileged " + CLASSROOM)
        else:
            _check_host_config(config)


def _normalize(path: str) -> str:
    return posixpath.normpath(re.sub("/+", "/", path or "/"))


def _is_under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def _no_repeated_keys(pairs: list) -> dict:
    result = {}
    for key, value in pairs:
        folded = key.casefold()
        if folded in result:
            raise Refused(f"the request repeats the field {key!r}; request body could not be inspected")
        result[folded] = value
    return result


def _json_body(body: bytes) -> dict:
    try:
        config = json.loads(body.decode("utf-8"), object_pairs_hook=_no_repeated_keys)
    except (UnicodeDecodeError, ValueError):
        config = None
    if not isinstance(config, dict):
        raise Refused("request body could not be inspected (missing, too large or not JSON)")
    return config


def _check_container(config: dict) -> None:
    # Old API clients may put host settings at the top level, and Docker
    # still reads them there when HostConfig is absent: check both.
    _check_host_config(config)
    host_config = config.get("hostconfig")
    if host_config is not None:
        if not isinstance(host_config, dict):
            raise Refused("request body could not be inspected (HostConfig is not an object)")
        _check_host_config(host_config)


def _check_host_config(config: dict) -> None:
    for field, flag in _REFUSED_FIELDS.items():
        if config.get(field):
            raise Refused(f"{flag} {CLASSROOM}")
    for field, flag in _REFUSED_IF_PRESENT.items():
        if config.get(field) is not None:
            raise Refused(f"{flag} {CLASSROOM}")
    for field, flag in _HOST_NAMESPACES.items():
        if str(config.get(field) or "").strip().lower() == "host":
            raise Refused(f"{flag} {CLASSROOM}")
    if (config.get("volumedriver") or "") not in _LOCAL_DRIVERS:
        raise Refused("volume drivers other than local are " + CLASSROOM.replace("is ", "", 1))
    if (config.get("runtime") or "runc") != "runc":
        raise Refused("--runtime " + CLASSROOM)
    for bind in _list(config.get("binds"), "Binds"):
        if not isinstance(bind, str):
            raise Refused("request body could not be inspected (a bind is not a string)")
        source = bind.split(":", 1)[0]
        if source.startswith("/"):
            _check_bind_source(source)
    for mount in _list(config.get("mounts"), "Mounts"):
        _check_mount(mount)


def _list(value, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused(f"request body could not be inspected ({name} is not a list)")
    return value


def _check_mount(mount) -> None:
    if not isinstance(mount, dict):
        raise Refused("request body could not be inspected (a mount is not an object)")
    kind = str(mount.get("type") or "").lower()
    if kind not in _MOUNT_TYPES:
        raise Refused(f"mounts of type {kind or '(none)'!r} are " + CLASSROOM.replace("is ", "", 1))
    if kind == "bind":
        _check_bind_source(str(mount.get("source") or ""))
    elif kind == "volume":
        options = mount.get("volumeoptions") or {}
        driver = (options.get("driverconfig") or {}) if isinstance(options, dict) else {}
        if not isinstance(driver, dict):
            raise Refused("request body could not be inspected (DriverConfig is not an object)")
        _check_volume({"driver": driver.get("name"), "driveropts": driver.get("options")})


def _check_bind_source(source: str) -> None:
    """Only the student's home, /root, may be bind-mounted, after resolving `..` and symlinks."""
    if not source.startswith("/"):
        raise Refused(f"bind mounts must name an absolute path under {HOME}")
    normal = _normalize(source)
    if not _is_under(normal, (HOME,)):
        raise Refused(f"bind mounts from outside {HOME} are not allowed ({source}); use a path under ~/ or a named volume")
    # The plugin runs beside dockerd, so this resolves as dockerd will.
    if not _is_under(os.path.realpath(normal), (HOME,)):
        raise Refused(f"bind mounts through symlinks leading outside {HOME} are not allowed ({source})")


def _check_volume(config: dict) -> None:
    if (config.get("driver") or "") not in _LOCAL_DRIVERS:
        raise Refused("volume drivers other than local are " + CLASSROOM.replace("is ", "", 1))
    options = config.get("driveropts") or {}
    if not isinstance(options, dict):
        raise Refused("request body could not be inspected (DriverOpts is not an object)")
    options = {str(key).casefold(): str(value) for key, value in options.items()}
    mount_options = {item.strip().lower() for item in options.get("o", "").split(",")}
    if (
        options.get("type", "tmpfs") != "tmpfs"
        or options.get("device", "tmpfs") != "tmpfs"
        or mount_options & {"bind", "rbind"}
    ):
        raise Refused("volumes that mount host paths or devices (driver options o=bind, device=, type=) are "
                      + CLASSROOM.replace("is ", "", 1))


def _check_build(query: dict) -> None:
    # Build containers run without privileges whatever the query says;
    # networkmode=host only reaches this engine's own network namespace.
    if any(value.strip() for value in query.get("cgroupparent", [])):
        raise Refused("--cgroup-parent " + CLASSROOM)


# --- the plugin server --------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/Plugin.Activate":
            return self._reply({"Implements": ["authz"]})
        if self.path == "/AuthZPlugin.AuthZRes":
            return self._reply({"Allow": True})
        if self.path != "/AuthZPlugin.AuthZReq":
            return self._reply({"Err": "unknown endpoint"}, status=404)
        method = uri = ""
        try:
            # Docker spells it RequestUri; match the fields as Go would.
            request = {key.casefold(): value for key, value in json.loads(raw or b"{}").items()}
            method, uri = str(request.get("requestmethod", "")), str(request.get("requesturi", ""))
            body = base64.b64decode(request.get("requestbody") or "")
            allow, message = decide(method, uri, body)
        except Exception as exc:  # fail closed, whatever went wrong
            allow, message = False, f"{PREFIX}request could not be inspected ({type(exc).__name__})"
        if not allow:
            sys.stderr.write(f"dockyard-authz: refused {method} {uri[:200]}: {message}\n")
        self._reply({"Allow": allow, "Msg": message})

    def _reply(self, payload: dict, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.docker.plugins.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def address_string(self) -> str:
        return "dockerd"

    def log_message(self, format, *args):  # requests are logged only when refused
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(socket_path: str) -> None:
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    old_umask = os.umask(0o077)
    try:
        server = _Server(socket_path, _Handler)
    finally:
        os.umask(old_umask)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "/run/docker/plugins/dockyard-authz.sock")
