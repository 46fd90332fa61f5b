"""Rounds of lesson checks through one long-lived `docker exec` per sandbox.

A round of checks (rounds.py) follows every command a student runs, and each
used to be an exec of its own: about 45 ms of CPU in the host's dockerd,
containerd and runc, and 55 ms of wall time, a fifth of a round of four checks
(bench/check_rounds.py). A runner is a bash loop in the workspace that reads
one round per line, `<boundary> <seconds each> <command in base64>...`, runs
ROUND_SCRIPT on those commands and ends with `\\n<boundary> end\\n`; the app
reads its stream without blocking, with the same bound and deadline as an exec.

The student is root in the workspace and can kill the runner, feed it, or
write into its output. It is trusted no more than the exec it replaces: each
round's reports carry a boundary of their own, the bound and the deadline
hold, and a runner that fails, overflows or is late is closed for good. A round
whose runner ended before answering runs as its own exec (the caller's
fallback), and the next round starts a new runner. A runner unused for
IDLE_SECONDS is closed, so an idle sandbox holds no exec (every open exec
costs the host's dockerd six open files; bench/density.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import secrets
import socket

from sandbox.backends.base import ExecResult
from sandbox.backends.docker import rounds
from sandbox.backends.docker.client import Engine
from sandbox.backends.docker.exec import FRAME_HEADER, STDOUT, hijacked

IDLE_SECONDS = 120.0
# Decoded with a trailing `x` kept through $(...), which would drop the command's own last newlines.
RUNNER_SCRIPT = r"""
exec 2>/dev/null
while IFS=' ' read -r boundary each commands; do
    set --
    for encoded in $commands; do
        command=$(printf %s "$encoded" | base64 -d; echo x)
        set -- "$@" "${command%x}"
    done
    DOCKYARD_BOUNDARY=$boundary DOCKYARD_EACH_TIMEOUT=$each DOCKYARD_OUTPUT_LIMIT=$DOCKYARD_OUTPUT_LIMIT \
        bash -c "$DOCKYARD_ROUND" dockyard-round "$@"
    printf '\n%s end\n' "$boundary"
done
"""


class RunnerFailed(Exception):
    """The runner could not take the round (it ended, is busy with another, or could
    not be started): run the round another way."""


class RoundRunner:
    """One runner: a started exec's stream, one round at a time (a round asked for
    while another runs fails at once, and so runs as an exec beside it)."""

    def __init__(self, sock: socket.socket, early: bytes):
        self._sock = sock
        self._pending = bytearray(early)  # the stream's bytes not read yet
        self._frame_stream, self._frame_left = 0, 0  # the frame being read, and its bytes still to come
        self._lock = asyncio.Lock()
        self.closed = False

    async def run(self, commands: list[str], timeout_each: float, max_bytes: int, deadline: float) -> list[ExecResult]:
        """Each command's result, as rounds.round_results reads them from ROUND_SCRIPT's
        output; read until the round ends, `max_bytes` are read or the loop's clock
        passes `deadline` (then the runner is closed: its stream is no longer in
        step). RunnerFailed if the runner answered nothing."""
        boundary = secrets.token_hex(16)
        output = await self._output(boundary, commands, timeout_each, max_bytes, deadline)
        return rounds.round_results(output[:max_bytes], boundary, len(commands))

    async def _output(
        self, boundary: str, commands: list[str], timeout_each: float, max_bytes: int, deadline: float
    ) -> bytes:
        if self._lock.locked():  # another page's round: this one runs beside it, as an exec
            raise RunnerFailed("busy with another round")
        async with self._lock:
            if self.closed:
                raise RunnerFailed("closed")
            encoded = (base64.b64encode(command.encode()).decode() for command in commands)
            line = " ".join([boundary, str(max(1, int(timeout_each))), *encoded]) + "\n"
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(loop.sock_sendall(self._sock, line.encode()), max(0.1, deadline - loop.time()))
            except (OSError, TimeoutError) as exc:
                self.close()
                raise RunnerFailed(f"could not send the round: {exc}") from exc
            output = bytearray()
            end_line = re.compile(rb"\n" + boundary.encode() + rb" end\n")
            while True:
                # Up to the end line, even once every report is in: the stream stays in step.
                reported, position = rounds.reports_in_full(output, boundary, len(commands))
                if end_line.search(output, position):
                    break
                if len(output) >= max_bytes:
                    self.close()
                    return bytes(output)
                try:
                    data = await asyncio.wait_for(self._stdout(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    self.close()
                    return bytes(output)
                if data is None:  # the runner ended (killed, or its workspace went away)
                    self.close()
                    if not reported:
                        raise RunnerFailed("the runner ended")
                    return bytes(output)
                output += data
            if reported < len(commands):
                self.close()  # it stopped short: whatever it prints later is not for the next round
            return bytes(output)

    async def _stdout(self) -> bytes | None:
        """The next bytes of the exec's stdout (stderr skipped), as they come; None at the end."""
        loop = asyncio.get_running_loop()
        while True:
            if self._frame_left == 0 and len(self._pending) >= FRAME_HEADER.size:
                self._frame_stream, self._frame_left = FRAME_HEADER.unpack_from(self._pending)
                del self._pending[: FRAME_HEADER.size]
            if self._frame_left and self._pending:
                payload = bytes(self._pending[: self._frame_left])
                del self._pending[: len(payload)]
                self._frame_left -= len(payload)
                if self._frame_stream == STDOUT:
                    return payload
                continue
            try:
                data = await loop.sock_recv(self._sock, 65536)
            except OSError:
                return None
            if not data:
                return None
            self._pending += data

    def close(self) -> None:
        """Closing its stdin ends the runner's loop after the round it is in."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


class RoundRunners:
    """The backend's runners, one per sandbox key, each closed after IDLE_SECONDS unused."""

    def __init__(self, engine: Engine, environment: dict[str, str]):
        self._engine = engine
        self._environment = environment
        self._runners: dict[str, RoundRunner] = {}
        self._idle_timers: dict[str, asyncio.TimerHandle] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def run(
        self, key: str, workspace_id_of, commands: list[str], timeout_each: float, max_bytes: int
    ) -> list[ExecResult]:
        """Each command's result from the key's runner (started first
        if it has none: `workspace_id_of()` names the running workspace).
        RunnerFailed when the runner could not be started or ended before answering."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_each * len(commands) + 5
        runner = await self._runner(key, workspace_id_of)
        if (timer := self._idle_timers.pop(key, None)) is not None:
            timer.cancel()  # not while a round runs
        try:
            return await runner.run(commands, timeout_each, max_bytes, deadline)
        finally:
            if runner.closed:
                self.close(key, runner)
            else:
                self._close_when_idle(key)

    async def _runner(self, key: str, workspace_id_of) -> RoundRunner:
        async with self._opening.setdefault(key, asyncio.Lock()):
            runner = self._runners.get(key)
            if runner is not None and not runner.closed:
                return runner
            workspace_id = await workspace_id_of()
            try:
                sock, early = await self._engine.call(self._open, workspace_id)
            except Exception as exc:  # noqa: BLE001 - any engine trouble: the caller runs an exec instead
                raise RunnerFailed(f"could not start a runner: {exc}") from exc
            runner = self._runners[key] = RoundRunner(sock, early)
            return runner

    def _open(self, workspace_id: str) -> tuple[socket.socket, bytes]:
        api = self._engine.api
        environment = {
            **self._environment,
            "DOCKYARD_ROUND": rounds.ROUND_SCRIPT,
            "DOCKYARD_OUTPUT_LIMIT": str(rounds.OUTPUT_LIMIT),
        }
        command = ["bash", "-c", RUNNER_SCRIPT, "dockyard-round-runner"]
        exec_id = api.exec_create(workspace_id, command, stdin=True, stdout=True, stderr=True, environment=environment)
        return hijacked(api.exec_start(exec_id["Id"], socket=True))

    def _close_when_idle(self, key: str) -> None:
        if (timer := self._idle_timers.pop(key, None)) is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._idle_timers[key] = loop.call_later(IDLE_SECONDS, self.close, key)

    def close(self, key: str, runner: RoundRunner | None = None) -> None:
        """Close the key's runner (only if it is still `runner`, when given)."""
        current = self._runners.get(key)
        if current is None or (runner is not None and current is not runner):
            return
        del self._runners[key]
        if (timer := self._idle_timers.pop(key, None)) is not None:
            timer.cancel()
        current.close()

    def close_all(self) -> None:
        for key in list(self._runners):
            self.close(key)
