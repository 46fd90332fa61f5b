"""Interactive streams into a workspace: the student's shell and the port watcher.

The shell is held in the workspace by `dockyard-shell` (sandbox/images/workspace/
dockyard-shell.c), so it outlives the app process that shows it and every app
process shows the same one. Each HeldShell is a `docker exec` (no tty) of
`dockyard-shell attach`: the holder writes the shell's output straight into the
exec's stdout, which the engine sends in frames of its own (an 8-byte header
each, docker's "stdcopy"); input and sizes go the other way in the holder's
frames. Closing the stream only detaches; `hang_up` ends the shell.

The port watcher is a `docker exec -it` whose hijacked HTTP connection is read
without blocking; it records its pid under a token, so closing the stream
hangs up exactly that process (the engine has no way to kill an exec).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import socket
import struct
import uuid

from docker.errors import APIError, DockerException

from sandbox.backends.base import PublishedPort, TerminalStream
from sandbox.backends.docker import specs
from sandbox.backends.docker.client import Engine
from sandbox.backends.docker.exec import hijacked

log = logging.getLogger(__name__)

# A login shell, as a terminal would start it, held in the workspace.
SHELL_COMMAND = ("bash", "-l")
PLAIN_SHELL = "exec bash -l"  # a shell of the app process, for workspaces without the holder
HOLDER = "/usr/local/bin/dockyard-shell"
HOLDER_SOCKET = "/tmp/.dockyard-shell/socket"
# The holder's input frames: a type, a 2-byte length, the payload.
FRAME_MAX = 65535
DATA, SIZE, HANG_UP_FRAME = b"d", b"r", b"h"
# The engine's frames on a stream without a tty: stream (1 stdout, 2 stderr), 3 zero bytes, a 4-byte length.
STDCOPY_HEADER = struct.Struct(">BxxxL")
# How long a holder may take to send its screen. The student is root in the
# workspace and can put anything on the holder's socket: what it sends first is
# bounded by the ring asked for, and waited for this long.
ATTACH_TIMEOUT = 20.0
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
# It never starts a stopped engine (a lazy one starts on its first use): it
# ends at once unless the engine is up, and ends when the engine stops after
# a quiet period, when no container runs, so no port is published.
WATCH_PORTS = (
    f"[ -e {specs.ENGINE_UP_FILE} ] || exit 0; "
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


class HolderUnavailable(ConnectionError):
    """The workspace runs no dockyard-shell (an image from before it), or it failed."""


class HeldShell(TerminalStream):
    """A `dockyard-shell attach` exec: the shell the workspace holds."""

    def __init__(self, sock: socket.socket, max_earlier: int, early: bytes = b""):
        self._sock = sock
        self._max_earlier = max_earlier
        self._raw = bytearray()  # the engine's frames, not yet taken apart
        self._payload = bytearray()  # output taken out of them, not yet read
        self._closed = False
        self._earlier = b""
        self._take_frames(early)  # read with the exec's response headers (exec.hijacked)

    async def attach(self) -> None:
        """Read the holder's first message: what the screen showed until now."""
        try:
            async with asyncio.timeout(ATTACH_TIMEOUT):
                header = await self._exactly(4)
                (length,) = struct.unpack(">L", header) if len(header) == 4 else (None,)
                if length is None or length > self._max_earlier:  # an error message instead (no holder …)
                    raise HolderUnavailable((header + bytes(self._payload[:200])).decode("utf-8", "replace"))
                self._earlier = await self._exactly(length)
        except TimeoutError:
            raise HolderUnavailable(f"no screen from the holder within {ATTACH_TIMEOUT:.0f} s") from None
        if len(self._earlier) != length:
            raise HolderUnavailable(f"the holder ended after {len(self._earlier)} of {length} bytes")

    def earlier_output(self) -> bytes:
        return self._earlier

    def unread(self, data: bytes) -> None:
        """Give back output read ahead (warm_shells): the next reads return it first."""
        self._payload[:0] = data

    async def _exactly(self, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = await self.read(n - len(data))
            if not chunk:
                break
            data += chunk
        return bytes(data)

    async def read(self, max_bytes: int) -> bytes:
        while not self._payload:
            if self._closed or not await self._receive():
                return b""
        data = bytes(self._payload[:max_bytes])
        del self._payload[:max_bytes]
        return data

    async def _receive(self) -> bool:
        """One read from the engine, its frames' payloads added to the output; False at the end."""
        try:
            data = await asyncio.get_running_loop().sock_recv(self._sock, 256 * 1024)
        except OSError:
            return False
        if not data:
            return False
        self._take_frames(data)
        return True

    def _take_frames(self, data: bytes) -> None:
        raw = self._raw
        raw += data
        at = 0
        while len(raw) - at >= STDCOPY_HEADER.size:
            _, length = STDCOPY_HEADER.unpack_from(raw, at)
            end = at + STDCOPY_HEADER.size + length
            if end > len(raw):
                break
            self._payload += raw[at + STDCOPY_HEADER.size : end]  # stderr too: the holder's own errors
            at = end
        del raw[:at]

    async def write(self, data: bytes) -> None:
        frames = b"".join(
            DATA + struct.pack(">H", len(chunk)) + chunk
            for chunk in (data[i : i + FRAME_MAX] for i in range(0, len(data), FRAME_MAX))
        )
        await self._send(frames)

    async def resize(self, cols: int, rows: int) -> None:
        await self._send(SIZE + struct.pack(">HHH", 4, min(cols, 65535), min(rows, 65535)))

    async def _send(self, frames: bytes) -> None:
        if not self._closed:
            try:
                await asyncio.get_running_loop().sock_sendall(self._sock, frames)
            except OSError as exc:
                log.debug("the shell holder went away: %s", exc)

    async def hang_up(self) -> None:
        await self._send(HANG_UP_FRAME + b"\x00\x00")
        await self.close()

    async def close(self) -> None:
        """Detach: the engine closes the exec's stdin, and the holder lets it go."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


def write_language(language: str) -> str:
    """Shell that writes the student's page language where the engine's guard reads
    it (authz_messages words refusals in it); nothing for no language."""
    if not language:
        return ""
    return f"{{ printf %s {shlex.quote(language)} > {specs.LANGUAGE_FILE}; }} 2>/dev/null; "


async def open_shell(
    engine: Engine, workspace, cols: int, rows: int, replay_bytes: int, holder: str = HOLDER, language: str = ""
) -> TerminalStream:
    """The workspace's shell, held by the workspace. A workspace made from an image
    older than dockyard-shell gets a shell of this process, as before it (lost
    with the process) until the sandbox is reset onto the current image.
    A `language` is written to specs.LANGUAGE_FILE on the way."""
    try:
        return await open_held_shell(engine, workspace, cols, rows, replay_bytes, holder=holder, language=language)
    except HolderUnavailable as exc:
        log.warning("no shell holder in %s (%s); its shell lives in this app process", workspace.name, exc)
    stream = await open_stream(engine, workspace, write_language(language) + PLAIN_SHELL)
    await stream.resize(cols, rows)
    return stream


async def open_held_shell(
    engine: Engine,
    workspace,
    cols: int,
    rows: int,
    replay_bytes: int,
    socket_path: str = HOLDER_SOCKET,
    holder: str = HOLDER,
    language: str = "",
) -> HeldShell:
    """The shell held at `socket_path`, started first if there is none there."""
    command = [
        holder, "attach", "--socket", socket_path, "--cols", str(cols), "--rows", str(rows),
        "--replay-bytes", str(replay_bytes), "--", *SHELL_COMMAND,
    ]  # fmt: skip
    if language:  # no exec of its own for it when a class connects at once
        command = ["sh", "-c", write_language(language) + 'exec "$@"', "sh", *command]
    sock, early = await engine.call(_open_exec, engine, workspace.id, command, False)
    shell = HeldShell(sock, max_earlier=replay_bytes, early=early)
    try:
        await shell.attach()
    except BaseException:
        await shell.close()
        raise
    if shell.earlier_output():
        await shell.resize(cols, rows)  # a kept shell has the size of whoever showed it last
    return shell


class DockerTerminal(TerminalStream):
    """The hijacked HTTP connection of a `docker exec -it`, read without blocking."""

    def __init__(self, engine: Engine, workspace, token: str, exec_id: str, sock: socket.socket, early: bytes = b""):
        self._engine = engine
        self._workspace = workspace
        self._token = token
        self._exec_id = exec_id
        self._sock = sock
        self._early = early  # read with the exec's response headers (exec.hijacked)
        self._closed = False

    async def read(self, max_bytes: int) -> bytes:
        if self._closed:
            return b""
        if self._early:
            data, self._early = self._early[:max_bytes], self._early[max_bytes:]
            return data
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
    exec_id = await engine.call(_create_exec, engine, workspace.id, command, True)
    sock, early = await engine.call(_start_exec, engine, exec_id, True)
    return DockerTerminal(engine, workspace, token, exec_id, sock, early)


def _open_exec(engine: Engine, container_id: str, command: list[str], tty: bool) -> tuple[socket.socket, bytes]:
    return _start_exec(engine, _create_exec(engine, container_id, command, tty), tty)


def _create_exec(engine: Engine, container_id: str, command: list[str], tty: bool) -> str:
    return engine.api.exec_create(container_id, command, stdin=True, tty=tty, environment=TERMINAL_ENV)["Id"]


def _start_exec(engine: Engine, exec_id: str, tty: bool) -> tuple[socket.socket, bytes]:
    """The exec's socket (non-blocking) and the first bytes already read from it."""
    return hijacked(engine.api.exec_start(exec_id, tty=tty, socket=True))


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
