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
_HEADER = struct.Struct(">BxxxL")  # stream, 3 bytes padding, payload length


@dataclasses.dataclass
class BoundedOutput:
    exit_code: int | None  # None: cut short (too much output, or the deadline passed)
    stdout: bytes
    stderr: bytes
    combined: bytes  # stdout and stderr in the order they came
    truncated: bool = False
    timed_out: bool = False


def run_bounded(
    api, container_id: str, command: list[str], *, environment: dict, max_bytes: int, timeout: float
) -> BoundedOutput:
    exec_id = api.exec_create(container_id, command, stdout=True, stderr=True, environment=environment)["Id"]
    response = api.exec_start(exec_id, socket=True)
    sock = getattr(response, "_sock", response)
    out = _read_frames(sock, max_bytes, time.monotonic() + timeout)
    try:
        sock.close()
    except OSError:
        pass
    if not (out.truncated or out.timed_out):
        state = api.exec_inspect(exec_id)
        out.exit_code = None if state.get("Running") else state.get("ExitCode")
    return out


def _read_frames(sock: socket.socket, max_bytes: int, deadline: float) -> BoundedOutput:
    streams = {STDOUT: bytearray(), STDERR: bytearray()}
    combined = bytearray()
    out = BoundedOutput(exit_code=None, stdout=b"", stderr=b"", combined=b"")
    try:
        while True:
            header = _read_exactly(sock, _HEADER.size, deadline)
            if header is None:
                break
            stream, length = _HEADER.unpack(header)
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


def _read_exactly(sock: socket.socket, size: int, deadline: float) -> bytes | None:
    """`size` bytes, None at a clean end of stream; TimeoutError past the deadline."""
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(size - len(data), 65536))
        except TimeoutError:
            raise TimeoutError from None
        if not chunk:
            return None  # the end of the stream (a frame cut off there is dropped)
        data += chunk
    return bytes(data)
