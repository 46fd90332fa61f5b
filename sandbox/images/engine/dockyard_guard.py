#!/usr/bin/env python3
"""The two walls in front of the student's nested dockerd, in one process.

1. The front proxy owns the only socket the student's shell can reach
   (/run/dockyard/docker.sock) and passes a request on to dockerd's private
   socket only if its head means one thing: one request line in origin form,
   well-formed headers with none of those that frame it repeated (dockerd
   reads the first Content-Type, its authorization plugin is shown the last), Content-Length
   or chunked but not both, no form-encoded body (Go reads it as query
   parameters the plugin never sees), an API version the policy accepts, and
   a body framed as its endpoint expects (none on `start`, a declared length
   for JSON). Each request gets its own connection to dockerd
   (`Connection: close`), so nothing pipelined behind it reaches dockerd
   unchecked. Upgraded connections (attach, exec, BuildKit) are piped as they are.
2. The authorization plugin answers dockerd's AuthZ calls with
   authz_policy.decide(), which sees each request as dockerd parsed it.

With DOCKYARD_ENGINE_IDLE_SECONDS set, the proxy also ends the engine after a
quiet period (no request for that long, none in flight but `docker events`,
no container running): it stops accepting and exits with IDLE_EXIT, and the
engine's entrypoint stops dockerd. The listening socket is dockyard-activate's
(fd LISTEN_FD), which starts the engine again on the next connection.

Standard library only. Every refusal and why: docs/sandbox-security.md.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import authz_messages
import authz_policy as policy

HEAD_LIMIT = 64 * 1024
PIPE_CHUNK = 256 * 1024
_METHOD = re.compile(r"[A-Z]{1,16}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The guard's exit status when it ended the engine for quiet (entrypoint.sh).
IDLE_EXIT = 75
# Requests that only wait for news: they do not keep an idle engine up.
_WATCHING_PATHS = ("/events",)
# Headers that frame or interpret a request: dockerd reads the first of repeated
# ones, its plugin is shown the last, so these may appear once. Others may
# repeat (BuildKit's session sends X-Docker-Expose-Session-Grpc-Method per method).
_SINGLE_HEADERS = {
    "content-type",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "connection",
    "upgrade",
    "host",
    "expect",
}


class Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- the front proxy --------------------------------------------------------------


def parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(method, target, version, headers) of one request head, or Refusal if it is ambiguous."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise Refusal(400, "the request head is not ASCII") from None
    lines = text[:-4].split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _METHOD.fullmatch(parts[0]) or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        raise Refusal(400, "malformed request line")
    method, target, version = parts
    if not target.startswith("/"):
        raise Refusal(400, "the request target must be a path")
    headers, seen = [], set()
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name) or any(c in value for c in "\r\n\x00"):
            raise Refusal(400, "malformed header line")
        if name.lower() in seen:
            raise Refusal(400, f"the header {name} is repeated")
        if name.lower() in _SINGLE_HEADERS:
            seen.add(name.lower())
        headers.append((name, value.strip()))
    return method, target, version, headers


def check_head(method: str, target: str, headers: list[tuple[str, str]]) -> str:
    """Refusal unless the request is framed as its endpoint expects; else the API path it asks for."""
    fields = {name.lower(): value for name, value in headers}
    length, chunked = fields.get("content-length"), fields.get("transfer-encoding")
    if length is not None and not re.fullmatch(r"[0-9]{1,12}", length):
        raise Refusal(400, "malformed Content-Length")
    if chunked is not None and (chunked.lower() != "chunked" or length is not None):
        raise Refusal(400, "Transfer-Encoding must be chunked alone, without Content-Length")
    if fields.get("content-type", "").split(";")[0].strip().lower() in _FORM_TYPES:
        raise Refusal(403, policy.PREFIX + "form-encoded request bodies are not allowed in the classroom sandbox")
    try:
        path = policy.api_path(target.split("?", 1)[0])
    except policy.Refused as exc:
        raise Refusal(403, policy.PREFIX + str(exc)) from None
    kind = policy.body_kind(method, path)
    has_body = chunked is not None or (length or "0") != "0"
    if kind == policy.NONE and has_body:
        raise Refusal(403, f"{policy.PREFIX}a request body on {method} {path[:80]} {policy.NOT_ALLOWED}")
    if isinstance(kind, policy.Schema) and (chunked is not None or int(length or 0) > policy.MAX_BODY):
        raise Refusal(403, policy.PREFIX + "request body could not be inspected (chunked or too large)")
    return path


def forwarded_head(method: str, target: str, version: str, headers: list[tuple[str, str]]) -> bytes:
    upgrade = any(name.lower() == "upgrade" for name, _ in headers)
    lines = [f"{method} {target} {version}"]
    for name, value in headers:
        if name.lower() in ("connection", "keep-alive") and not upgrade:
            continue
        lines.append(f"{name}: {value}")
    if not upgrade:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def refusal_response(status: int, message: str) -> bytes:
    body = json.dumps({"message": message}).encode()
    reason = {400: "Bad Request", 403: "Forbidden", 431: "Request Header Fields Too Large"}.get(status, "Error")
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, half_close: bool) -> None:
    try:
        while data := await reader.read(PIPE_CHUNK):
            writer.write(data)
            await writer.drain()  # backpressure: never buffer more than one chunk
        if half_close and writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def handle(client_reader, client_writer, upstream_path: str, on_request=None) -> None:
    """One connection, one request: checked, then piped to dockerd. `on_request(path)`
    is told what a request that passed the checks asks for."""
    upstream_writer = None
    try:
        try:
            head = await client_reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            client_writer.write(refusal_response(431, "request head too large"))
            return
        except asyncio.IncompleteReadError:
            return
        try:
            method, target, version, headers = parse_head(head)
            path = check_head(method, target, headers)
        except Refusal as refusal:
            log(f"refused at the proxy: {head[:200]!r}: {refusal}")
            message = str(refusal)
            if message.startswith(policy.PREFIX):
                language = authz_messages.student_language()
                message = policy.PREFIX + authz_messages.translate(message[len(policy.PREFIX) :], language)
            client_writer.write(refusal_response(refusal.status, message))
            return
        if on_request is not None:
            on_request(path)
        upstream_reader, upstream_writer = await asyncio.open_unix_connection(upstream_path)
        upstream_writer.write(forwarded_head(method, target, version, headers))
        to_engine = asyncio.create_task(_pipe(client_reader, upstream_writer, half_close=True))
        await _pipe(upstream_reader, client_writer, half_close=False)
        to_engine.cancel()
    except (ConnectionError, OSError):
        pass
    finally:
        for writer in (client_writer, upstream_writer):
            if writer is not None:
                writer.close()


class Activity:
    """The proxy's connections, and when the engine was last asked for anything."""

    def __init__(self):
        # asyncio keeps a connection's task only while the client's side is open; an
        # attach whose client has half-closed would be collected mid-stream without this.
        self.connections: set[asyncio.Task] = set()
        self.watching: set[asyncio.Task] = set()  # those that only wait for events
        self.last = time.monotonic()

    def begin(self, task: asyncio.Task) -> None:
        self.connections.add(task)
        self.last = time.monotonic()

    def asked_for(self, task: asyncio.Task, path: str) -> None:
        if path in _WATCHING_PATHS:
            self.watching.add(task)

    def end(self, task: asyncio.Task) -> None:
        self.connections.discard(task)
        self.watching.discard(task)
        self.last = time.monotonic()

    def working(self) -> set[asyncio.Task]:
        return self.connections - self.watching

    def quiet_for(self) -> float:
        return 0.0 if self.working() else time.monotonic() - self.last

    async def wait_quiet(self, seconds: float, busy) -> None:
        """Returns once nothing was asked for `seconds` and `busy()` (in a thread) says no."""
        tick = min(5.0, max(0.2, seconds / 10))
        while True:
            await asyncio.sleep(tick)
            if self.quiet_for() < seconds:
                continue
            if await asyncio.to_thread(busy):
                self.last = time.monotonic()  # asked again after another quiet period
                continue
            if self.quiet_for() >= seconds:
                return


async def serve_proxy(
    listen_path: str, upstream_path: str, ready=None, listening: socket.socket | None = None, idle_seconds: float = 0
) -> None:
    """Serves until cancelled or, with `idle_seconds`, until the engine was quiet that long."""
    activity = Activity()

    async def connected(reader, writer):
        task = asyncio.current_task()
        activity.begin(task)
        try:
            await handle(reader, writer, upstream_path, lambda path: activity.asked_for(task, path))
        finally:
            activity.end(task)

    if listening is not None:  # dockyard-activate's socket: what waits in its backlog is served now
        server = await asyncio.start_unix_server(connected, sock=listening, limit=HEAD_LIMIT)
    else:
        if os.path.exists(listen_path):
            os.unlink(listen_path)
        server = await asyncio.start_unix_server(connected, path=listen_path + ".new", limit=HEAD_LIMIT)
        os.chmod(listen_path + ".new", 0o660)
        os.rename(listen_path + ".new", listen_path)  # whoever sees the socket finds it answering
    if ready is not None:
        ready()
    if idle_seconds <= 0:
        async with server:
            await server.serve_forever()
        return
    await server.start_serving()
    await activity.wait_quiet(idle_seconds, lambda: containers_running(upstream_path))
    # Stop accepting: a connection from now on waits in the activator's backlog and
    # starts the engine again. One accepted just before finishes first.
    server.close()
    await asyncio.sleep(0.05)
    for task in list(activity.watching):
        task.cancel()
    while activity.working():
        await asyncio.wait(activity.working())
    for task in list(activity.connections):
        task.cancel()


def containers_running(dockerd_socket: str) -> bool:
    """Whether any nested container runs (or dockerd cannot say, which counts as yes)."""
    connection = _UnixHTTPConnection(dockerd_socket)
    try:
        connection.request("GET", "/v1.41/containers/json")  # running ones only; `limit` would add stopped ones
        response = connection.getresponse()
        return response.status != 200 or json.loads(response.read(1 << 20) or b"[]") != []
    except (OSError, ValueError):
        return True
    finally:
        connection.close()


# --- the authorization plugin --------------------------------------------------------


class _PluginHandler(BaseHTTPRequestHandler):
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
            headers = request.get("requestheaders") or {}
            _record(method, uri, headers, body)
            allow, message = policy.decide(method, uri, headers, body, authz_messages.student_language())
        except Exception as exc:  # fail closed, whatever went wrong
            allow, message = False, f"{policy.PREFIX}request could not be inspected ({type(exc).__name__})"
        if not allow:
            log(f"refused {method} {uri[:200]}: {message}")
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


def _record(method, uri, headers, body) -> None:
    """With DOCKYARD_AUTHZ_RECORD set, every request is appended there (recording the course)."""
    path = os.environ.get("DOCKYARD_AUTHZ_RECORD")
    if path:
        line = json.dumps({"method": method, "uri": uri, "headers": headers, "body": base64.b64encode(body).decode()})
        with open(path, "a") as out:
            out.write(line + "\n")


class _PluginServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve_plugin(socket_path: str) -> socketserver.BaseServer:
    """Starts the plugin in a thread; returns its server."""
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    old_umask = os.umask(0o077)
    try:
        server = _PluginServer(socket_path, _PluginHandler)
    finally:
        os.umask(old_umask)
    threading.Thread(target=server.serve_forever, name="authz-plugin", daemon=True).start()
    return server


_log_lock = threading.Lock()


def log(message: str) -> None:
    # What is logged quotes the student's requests: one line each, control
    # characters escaped, so nothing can forge a line (the app reads this log).
    line = message[:500].encode("unicode_escape").decode("ascii")
    with _log_lock:
        sys.stderr.write(f"dockyard-guard: {line}\n")
        sys.stderr.flush()


# --- containers stored before this policy -----------------------------------------------


def disarm_stored_containers(containers_dir: str) -> list[str]:
    """Before dockerd starts: containers whose stored settings the policy would refuse
    (left by an older engine) get restart policy "no", so dockerd does not start them
    at boot; returns their ids, to be removed once dockerd answers."""
    flagged = []
    if not os.path.isdir(containers_dir):
        return flagged
    for container_id in sorted(os.listdir(containers_dir)):
        path = os.path.join(containers_dir, container_id, "hostconfig.json")
        try:
            with open(path) as stored:
                host_config = json.load(stored)
        except (OSError, ValueError):
            continue
        problem = policy.stored_container_problem(host_config, cgroup_v1=_cgroup_v1())
        if problem is None:
            continue
        log(f"container {container_id[:12]} was made with settings now refused ({problem}); removing it")
        host_config["RestartPolicy"] = {"Name": "no", "MaximumRetryCount": 0}
        with open(path + ".tmp", "w") as out:
            json.dump(host_config, out)
        os.replace(path + ".tmp", path)
        flagged.append(container_id)
    return flagged


def _cgroup_v1() -> bool:
    return not os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def remove_containers(dockerd_socket: str, container_ids: list[str]) -> None:
    """DELETE each container through dockerd (and so through the plugin, which allows it)."""
    for container_id in container_ids:
        connection = _UnixHTTPConnection(dockerd_socket)
        try:
            connection.request("DELETE", f"/v1.41/containers/{container_id}?force=1")
            status = connection.getresponse().status
            if status not in (204, 404):
                log(f"could not remove container {container_id[:12]}: HTTP {status}")
        except OSError as exc:
            log(f"could not remove container {container_id[:12]}: {exc}")
        finally:
            connection.close()


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


async def _run(plugin_socket: str, listen_path: str, upstream_path: str, docker_root: str) -> int:
    """Disarm stored containers the policy refuses, then serve the plugin (dockerd asks it
    from its first request on); on SIGUSR1, which the entrypoint sends once dockerd is up
    and the seed images are loaded, remove those containers and open the proxy. Returns
    the exit status: IDLE_EXIT after a quiet period."""
    go = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, go.set)
    flagged = disarm_stored_containers(os.path.join(docker_root, "containers"))
    serve_plugin(plugin_socket)
    await go.wait()
    await asyncio.to_thread(remove_containers, upstream_path, flagged)
    listening = inherited_socket()
    idle_seconds = float(os.environ.get("DOCKYARD_ENGINE_IDLE_SECONDS") or 0) if listening is not None else 0
    up_file = os.path.join(os.path.dirname(listen_path), "engine-up")
    try:
        await serve_proxy(
            listen_path, upstream_path, ready=lambda: _touch(up_file), listening=listening, idle_seconds=idle_seconds
        )
    finally:
        _remove(up_file)
    log(f"no request for {idle_seconds:g} s and no container running: stopping the engine")
    return IDLE_EXIT


def inherited_socket() -> socket.socket | None:
    """The listening socket dockyard-activate hands down (LISTEN_FD), if any."""
    fd = os.environ.get("LISTEN_FD")
    if not fd:
        return None
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=int(fd))


def _touch(path: str) -> None:
    """engine-up: the student's port watcher waits for it rather than start the engine."""
    with open(path, "w"):
        pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def main(argv: list[str]) -> None:
    if len(argv) != 4:
        sys.exit("usage: dockyard_guard.py PLUGIN_SOCKET LISTEN_SOCKET DOCKERD_SOCKET DOCKER_ROOT")
    sys.exit(asyncio.run(_run(*argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
