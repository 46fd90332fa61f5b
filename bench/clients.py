"""One client harness for three kinds of terminal, and the measurements made
with it: keystroke echo, output floods, a slow reader.

- PtyTerminal: `docker exec -it <workspace> <command>` on a local PTY (the floor).
- TerminadoTerminal: terminado's JSON protocol (["stdin", s] / ["stdout", s]).
- DockyardTerminal: docs/terminal-protocol.md (binary frames, JSON status and
  ack messages), acknowledging output as the browser does: every 64 KiB, or
  20 ms after the last chunk it read.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
import time

from websockets.asyncio.client import connect

PROMPT_MARKER = b"7771;prompt"  # printed by the workspace's bash before every prompt
# Bash turns bracketed paste on whenever readline waits for a line; the replay
# a terminal gets when it joins a running shell holds it too, so it shows the
# first prompt whether or not the shell was new.
READLINE_READY = b"\x1b[?2004h"
# Typed characters found in neither the prompt ("dockyard:~# ") nor common
# escape sequences; one set per client when clients share a shell.
ECHO_CHARS = (b"vwxzj", b"QUVWY", b"%&*+_")
CLEAR_LINE = b"\x15"  # Ctrl-U
INTERRUPT = b"\x03"  # Ctrl-C
LINE = "0123456789" * 7  # 70 columns + newline: no wrapping in an 80-column terminal
ACK_EVERY = 64 * 1024
ACK_DELAY = 0.02
COLS, ROWS = 80, 24


def websocket(url: str, **kwargs):
    return connect(
        url, compression=None, proxy=None, ping_interval=None, max_size=None, open_timeout=60, close_timeout=2, **kwargs
    )


class Terminal:
    """send() keystrokes, recv() the next chunk of output (b"" at the end)."""

    name = "terminal"

    async def send(self, data: bytes) -> None:
        raise NotImplementedError

    async def recv(self) -> bytes:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def ready(self, timeout: float = 60) -> None:
        """Wait until typing reaches the shell (a person waits for the screen)."""
        await settle(self, 0.1)


class PtyTerminal(Terminal):
    name = "PTY floor"

    def __init__(self, command: list[str]):
        self.fd, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True
        )
        os.close(slave)
        os.set_blocking(self.fd, False)

    @classmethod
    async def open(cls, container: str, shell: str = "bash") -> PtyTerminal:
        return cls(["docker", "exec", "-it", "-e", "TERM=xterm-256color", container, *shell.split()])

    async def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                await asyncio.sleep(0.001)

    async def recv(self) -> bytes:
        loop = asyncio.get_running_loop()
        while True:
            try:
                return os.read(self.fd, 65536)
            except BlockingIOError:
                pass
            except OSError:  # EIO: the other side is gone
                return b""
            ready = loop.create_future()
            loop.add_reader(self.fd, lambda ready=ready: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(self.fd)

    async def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.process.wait, 10)
        os.close(self.fd)


class TerminadoTerminal(Terminal):
    name = "terminado"

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def open(cls, url: str, max_queue: int | None = 16) -> TerminadoTerminal:
        ws = await websocket(url, max_queue=max_queue)
        await ws.send(json.dumps(["set_size", ROWS, COLS]))
        return cls(ws)

    async def send(self, data: bytes) -> None:
        await self.ws.send(json.dumps(["stdin", data.decode()]))

    async def recv(self) -> bytes:
        while True:
            try:
                message = await self.ws.recv()
            except Exception:
                return b""
            kind, *rest = json.loads(message)
            if kind == "stdout":
                return rest[0].encode()
            if kind == "disconnect":
                return b""

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 10)


class DockyardTerminal(Terminal):
    name = "Dockyard"

    def __init__(self, ws, opened: float):
        self.ws = ws
        self.opened = opened
        self.statuses: list[tuple[float, dict]] = []  # (seconds since opening, message)
        self._pending: list[bytes] = []
        self._unacked = 0
        self._ack_timer: asyncio.TimerHandle | None = None

    @classmethod
    async def open(cls, ws_url: str, cookie: str, max_queue: int | None = 16) -> DockyardTerminal:
        origin = ws_url.replace("ws://", "http://").split("/ws/")[0]
        started = time.perf_counter()
        ws = await websocket(ws_url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=max_queue)
        terminal = cls(ws, started)
        await ws.send(json.dumps({"type": "resize", "cols": COLS, "rows": ROWS}))
        return terminal

    def status_time(self, state: str) -> float | None:
        return next((t for t, m in self.statuses if m.get("state") == state), None)

    async def wait_status(self, state: str, timeout: float = 60) -> float:
        """Seconds from opening to `state`; output read meanwhile waits for recv()."""
        deadline = time.perf_counter() + timeout
        while self.status_time(state) is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no {state!r} status; got {[m for _, m in self.statuses]}")
            data = await asyncio.wait_for(self._message(), max(0.01, deadline - time.perf_counter()))
            if data == b"":
                raise ConnectionError(f"closed before {state!r}: {[m for _, m in self.statuses]}")
            if data is not None:
                self._pending.append(data)
        return self.status_time(state)

    async def ready(self, timeout: float = 60) -> None:
        # A person types once the screen shows; so does the harness.
        await self.wait_status("ready", timeout)
        await asyncio.wait_for(self.recv(), timeout)
        await settle(self, 0.1)

    async def send(self, data: bytes) -> None:
        try:
            await self.ws.send(data)
        except Exception as exc:
            raise ConnectionError(f"{exc!r}; statuses {[m for _, m in self.statuses]}") from exc

    async def recv(self) -> bytes:
        if self._pending:
            return self._pending.pop(0)
        while True:
            data = await self._message()
            if data is not None:
                return data

    async def _message(self) -> bytes | None:
        """Output bytes (b"" once closed), or None after a control message."""
        try:
            message = await self.ws.recv()
        except Exception:
            return b""
        if isinstance(message, bytes):
            self._processed(len(message))
            return message
        parsed = json.loads(message)
        if parsed.get("type") == "status":
            self.statuses.append((time.perf_counter() - self.opened, parsed))
            if parsed.get("state") in ("error", "full"):
                raise ConnectionError(f"status {parsed}")
        return None

    def _processed(self, count: int) -> None:
        # Not awaiting here keeps recv() safe to cancel (asyncio.wait_for).
        self._unacked += count
        if self._unacked >= ACK_EVERY:
            asyncio.ensure_future(self._ack())
        elif self._ack_timer is None:
            self._ack_timer = asyncio.get_running_loop().call_later(
                ACK_DELAY, lambda: asyncio.ensure_future(self._ack())
            )

    async def _ack(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None
        count, self._unacked = self._unacked, 0
        if count:
            with contextlib.suppress(Exception):
                await self.ws.send(json.dumps({"type": "ack", "bytes": count}))

    async def close(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 10)


# -- measurements -----------------------------------------------------------------


async def read_until(terminal: Terminal, needle: bytes, timeout: float = 60) -> int:
    """Read until `needle` shows up; returns the bytes read."""
    tail = b""
    total = 0
    deadline = time.perf_counter() + timeout
    while True:
        try:
            chunk = await asyncio.wait_for(terminal.recv(), max(0.0, deadline - time.perf_counter()))
        except TimeoutError:
            raise TimeoutError(f"{terminal.name}: {needle!r} never arrived; last output {tail[-300:]!r}") from None
        if not chunk:
            raise ConnectionError(f"{terminal.name}: closed before {needle!r}")
        total += len(chunk)
        tail = tail[-len(needle) :] + chunk
        if needle in tail:
            return total


async def settle(terminal: Terminal, quiet: float = 0.15, limit: float = 10) -> None:
    """Read until the terminal has been quiet for `quiet` seconds."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            chunk = await asyncio.wait_for(terminal.recv(), quiet)
        except TimeoutError:
            return
        if not chunk:
            return


async def wait_prompt(terminal: Terminal, timeout: float = 60) -> float:
    """Press Enter on an empty line and wait for the next prompt; seconds taken."""
    await terminal.ready(timeout)
    started = time.perf_counter()
    await terminal.send(CLEAR_LINE + b"\r")
    await read_until(terminal, PROMPT_MARKER, timeout)
    return time.perf_counter() - started


async def echo_latencies(
    terminal: Terminal,
    count: int,
    interval: float = 0.0,
    chars: bytes = ECHO_CHARS[0],
    shared: bool = False,
) -> list[float]:
    """Type `count` characters one at a time; seconds from sending each to seeing it echoed.
    With `interval`, keystrokes start that far apart (a typist), else back to back.
    Clients sharing a shell use their own `chars` and never clear the line:
    another client's Ctrl-U would erase a character before its echo is timed."""
    latencies = []
    quiet_limit = 0.3 if shared else 10
    await settle(terminal, limit=quiet_limit)
    next_start = time.perf_counter()
    for i in range(count):
        if i and i % 40 == 0 and not shared:  # keep the line short: clear it, off the clock
            await terminal.send(CLEAR_LINE)
            await settle(terminal, limit=quiet_limit)
            next_start = time.perf_counter()
        if interval:
            await asyncio.sleep(max(0.0, next_start - time.perf_counter()))
            next_start += interval
        char = chars[i % len(chars) : i % len(chars) + 1]
        started = time.perf_counter()
        await terminal.send(char)
        await read_until(terminal, char, timeout=30)
        latencies.append(time.perf_counter() - started)
    if not shared:
        await terminal.send(CLEAR_LINE)
        await settle(terminal)
    return latencies


def flood_command(nbytes: int) -> bytes:
    # The end marker is typed as "BENCH END" and printed as "BENCH_END".
    return f"yes {LINE} | head -c {nbytes}; printf '%s_%s\\n' BENCH END\r".encode()


async def flood(terminal: Terminal, nbytes: int, timeout: float = 600) -> tuple[float, int]:
    """Print `nbytes` to the terminal as fast as it goes; (seconds until the end
    marker arrived, bytes that crossed the wire)."""
    await terminal.send(CLEAR_LINE)
    await settle(terminal)
    started = time.perf_counter()
    await terminal.send(flood_command(nbytes))
    received = await read_until(terminal, b"BENCH_END", timeout)
    elapsed = time.perf_counter() - started
    await settle(terminal)
    return elapsed, received


async def slow_read(terminal: Terminal, nbytes: int, rate: float, seconds: float, on_tick) -> int:
    """Start a flood of `nbytes` and read it at `rate` bytes/s for `seconds`,
    calling on_tick() every 0.2 s; then Ctrl-C. Returns bytes read."""
    await terminal.send(CLEAR_LINE)
    await settle(terminal)
    await terminal.send(flood_command(nbytes))
    started = time.perf_counter()
    received = 0
    next_tick = started
    while time.perf_counter() - started < seconds:
        try:
            chunk = await asyncio.wait_for(terminal.recv(), 0.2)
        except TimeoutError:
            chunk = None
        if chunk == b"":
            break
        if chunk:
            received += len(chunk)
            # A reader of `rate` bytes/s: the next read waits until this chunk is "consumed".
            await asyncio.sleep(max(0.0, started + received / rate - time.perf_counter()))
        if time.perf_counter() >= next_tick:
            on_tick()
            next_tick += 0.2
    await terminal.send(INTERRUPT)
    return received
