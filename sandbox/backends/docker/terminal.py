"""Interactive streams into a workspace: the student's shell and the port watcher.

Each is a `docker exec -it` whose hijacked HTTP connection is read without
blocking. The exec's shell records its pid under a token, so closing the
stream hangs up exactly that shell (the engine has no way to kill an exec).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import socket
import uuid

from docker.errors import APIError, DockerException

from sandbox.backends.base import PublishedPort, TerminalStream
from sandbox.backends.docker.client import Engine

log = logging.getLogger(__name__)

# A login shell, as a terminal would start it; sandbox.shells keeps it open.
SHELL = "exec bash -l"
# `die` can arrive while `docker ps` still lists the container; `destroy` and
# `stop` follow once it is really gone, so the port list catches up.
CONTAINER_EVENTS = (
    "docker events --filter type=container --filter event=start --filter event=die "
    "--filter event=stop --filter event=destroy --filter event=pause --filter event=unpause "
    "--format '{{.Status}}'"
)
# One exec per sandbox lists the published ports, then lists them again after
# each event; each listing ends with an empty line. Events since just before
# the first listing are replayed (--since), so none falls between the two.
WATCH_PORTS = (
    "since=$(date +%s); "
    "ports() { docker ps --format '{{.Names}}\t{{.Ports}}' 2>/dev/null; echo; }; "
    f'ports; {CONTAINER_EVENTS} --since "$since" 2>/dev/null | while read -r _; do ports; done'
)
# Closing the exec's connection does not end the process inside (its tty stays
# open in the engine), so each stream notes its process's pid to hang it up.
CLIENTS_DIR = "/tmp/.dockyard-clients"
RECORD_PID = f"mkdir -p {CLIENTS_DIR} && echo $$ > {CLIENTS_DIR}/{{token}}; "
HANG_UP = f"kill -HUP $(cat {CLIENTS_DIR}/{{token}}) 2>/dev/null; rm -f {CLIENTS_DIR}/{{token}}"
TERMINAL_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
# A port listing longer than this is not the real `docker ps` (a few lines per container).
PORT_LISTING_LIMIT = 64 * 1024
PORT_MAPPING = re.compile(r"^(?:0\.0\.0\.0|\[?::\]?):(\d{1,5})->(\d{1,5})/tcp$")


class DockerTerminal(TerminalStream):
    """The hijacked HTTP connection of a `docker exec -it`, read without blocking."""

    def __init__(self, engine: Engine, workspace, token: str, exec_id: str, sock: socket.socket):
        self._engine = engine
        self._workspace = workspace
        self._token = token
        self._exec_id = exec_id
        self._sock = sock
        self._closed = False

    async def read(self, max_bytes: int) -> bytes:
        if self._closed:
            return b""
        try:
            return await asyncio.get_running_loop().sock_recv(self._sock, max_bytes)
        except OSError:
            return b""

    async def write(self, data: bytes) -> None:
        if not self._closed:
            await asyncio.get_running_loop().sock_sendall(self._sock, data)

    async def resize(self, cols: int, rows: int) -> None:
        try:
            await self._engine.in_thread(self._engine.api.exec_resize, self._exec_id, height=rows, width=cols)
        except (APIError, DockerException) as exc:
            log.debug("resize of exec %s failed: %s", self._exec_id[:12], exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            await self._engine.in_thread(
                self._workspace.exec_run, ["sh", "-c", HANG_UP.format(token=shlex.quote(self._token))]
            )
        except DockerException as exc:  # the sandbox may be gone already
            log.debug("could not hang up terminal %s: %s", self._token, exc)


async def open_stream(engine: Engine, workspace, script: str) -> DockerTerminal:
    """`script` in a new tty in the workspace."""
    token = uuid.uuid4().hex
    command = ["sh", "-c", RECORD_PID.format(token=token) + script]
    exec_id, sock = await engine.call(_open_exec, engine, workspace.id, command)
    return DockerTerminal(engine, workspace, token, exec_id, sock)


def _open_exec(engine: Engine, container_id: str, command: list[str]):
    api = engine.api
    exec_id = api.exec_create(container_id, command, stdin=True, tty=True, environment=TERMINAL_ENV)["Id"]
    response = api.exec_start(exec_id, tty=True, socket=True)
    sock = getattr(response, "_sock", response)
    sock.setblocking(False)
    return exec_id, sock


async def port_listings(stream: TerminalStream):
    """The published ports of each listing WATCH_PORTS prints, bounded, until the stream ends."""
    listing: list[str] = []
    size = 0
    pending = b""
    while data := await stream.read(65536):
        *lines, pending = (pending + data).replace(b"\r\n", b"\n").split(b"\n")
        if len(pending) > PORT_LISTING_LIMIT:
            pending = b""  # a line no `docker ps` prints: dropped, never kept
        for line in lines:
            if line:
                size += len(line)
                if size <= PORT_LISTING_LIMIT:
                    listing.append(line.decode("utf-8", "replace"))
            else:
                yield parse_published_ports("\n".join(listing))
                listing, size = [], 0


def parse_published_ports(listing: str) -> list[PublishedPort]:
    """Lines of `NAME<TAB>0.0.0.0:8080->80/tcp, :::8080->80/tcp` into ports, deduplicated."""
    found: dict[int, PublishedPort] = {}
    for line in listing.splitlines():
        name, _, ports = line.partition("\t")
        for mapping in ports.split(","):
            match = PORT_MAPPING.match(mapping.strip())
            if match and 0 < int(match[1]) < 65536:
                port = int(match[1])
                found.setdefault(port, PublishedPort(port=port, container=name.strip()[:128], target=int(match[2])))
    return [found[port] for port in sorted(found)]
