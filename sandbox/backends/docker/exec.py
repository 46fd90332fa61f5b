"""`docker exec` whose output is read with a bound and a deadline.

Everything a command in the workspace prints is the student's to choose: the
student is root there and can replace `docker`, `find` or `timeout` with a
script that prints 200 MB or never ends. The SDK's `exec_run` reads all of it
into memory and waits as long as it takes; this reads Docker's multiplexed
stream itself, keeps at most `max_bytes`, and stops at the deadline. A command
cut short is reported as such (exit code None), never as success.

Blocking: DockerBackend runs it in its threads.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import time

STDOUT, STDERR = 1, 2
FRAME_HEADER = struct.Struct(">BxxxL")  # docker's stdcopy: stream, 3 bytes padding, payload length


@dataclasses.dataclass
class BoundedOutput:
    exit_code: int | None  # None: cut short (too much output, or the deadline passed)
    stdout: bytes
    stderr: bytes
    combined: bytes  # stdout and stderr in the order they came
    truncated: bool = False
    timed_out: bool = False


def hijacked(stream) -> tuple[socket.socket, bytes]:
    """The socket of a started exec (the SDK's `exec_start(socket=True)`), and the
    stream's first bytes that the SDK's HTTP client already read with the response
    headers. On a busy host the engine's first frame comes in the same read as the
    headers and sits in the client's buffer, which reading the socket skips: a new
    shell's first frame was lost that way (bench/density.py, at 661 sandboxes).
    The socket is left non-blocking."""
    sock = getattr(stream, "_sock", stream)
    sock.setblocking(False)  # peek below must not wait for bytes that are not there
    response = getattr(stream, "_response", None)  # the SDK keeps it on the stream
    reader = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    if reader is None:
        return sock, b""
    try:
        return sock, bytes(reader.peek())  # what is buffered (one read at most, non-blocking)
    except (OSError, ValueError):
        return sock, b""


def run_bounded(
    api, container_id: str, command: list[str], *, environment: dict, max_bytes: int, timeout: float
) -> BoundedOutput:
    exec_id = api.exec_create(container_id, command, stdout=True, stderr=True, environment=environment)["Id"]
    sock, early = hijacked(api.exec_start(exec_id, socket=True))
    out = _read_frames(_Buffered(sock, early), max_bytes, time.monotonic() + timeout)
    try:
        sock.close()
    except OSError:
        pass
    if not (out.truncated or out.timed_out):
        state = api.exec_inspect(exec_id)
        out.exit_code = None if state.get("Running") else state.get("ExitCode")
    return out


class _Buffered:
    """A socket read after the bytes that came before it (hijacked)."""

    def __init__(self, sock: socket.socket, early: bytes):
        self._sock = sock
        self._early = bytearray(early)

    def recv(self, size: int, timeout: float) -> bytes:
        if self._early:
            data = bytes(self._early[:size])
            del self._early[:size]
            return data
        self._sock.settimeout(timeout)
        return self._sock.recv(size)


def _read_frames(sock: _Buffered, max_bytes: int, deadline: float) -> BoundedOutput:
    streams = {STDOUT: bytearray(), STDERR: bytearray()}
    combined = bytearray()
    out = BoundedOutput(exit_code=None, stdout=b"", stderr=b"", combined=b"")
    try:
        while True:
            header = _read_exactly(sock, FRAME_HEADER.size, deadline)
            if header is None:
                break
            stream, length = FRAME_HEADER.unpack(header)
            room = max_bytes - len(combined)
            payload = _read_exactly(sock, min(length, room), deadline) if room > 0 else b""
            if payload is None:
                break
            if stream in streams:
                streams[stream] += payload
                combined += payload
            if length > room:
                out.truncated = True
                break
    except TimeoutError:
        out.timed_out = True
    except OSError:
        pass
    out.stdout, out.stderr, out.combined = bytes(streams[STDOUT]), bytes(streams[STDERR]), bytes(combined)
    return out


def _read_exactly(sock: _Buffered, size: int, deadline: float) -> bytes | None:
    """`size` bytes, None at a clean end of stream; TimeoutError past the deadline."""
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            chunk = sock.recv(min(size - len(data), 65536), remaining)
        except TimeoutError:
            raise TimeoutError from None
        if not chunk:
            return None  # the end of the stream (a frame cut off there is dropped)
        data += chunk
    return bytes(data)
