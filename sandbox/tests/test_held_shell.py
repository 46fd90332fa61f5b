"""The app's side of dockyard-shell, against a socket playing the engine: the
engine's frames taken apart, the screen before attaching kept apart from new
output, input and sizes framed for the holder. (The holder itself runs in the
real sandbox: test_terminal_docker.py, test_restart_safe_shell_docker.py.)"""

import asyncio
import socket
import struct

import pytest

from sandbox.backends.docker.terminal import HeldShell, HolderUnavailable


def engine_frame(payload: bytes, stream: int = 1) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


@pytest.fixture
def wires():
    ours, engine = socket.socketpair()
    ours.setblocking(False)
    yield HeldShell(ours, max_earlier=1024), engine
    engine.close()


async def test_the_screen_before_attaching_is_kept_apart_from_new_output(wires):
    shell, engine = wires
    earlier = b"\x1b[1mbefore\x1b[0m\r\n$ "
    # The holder's first message (length, then the ring) and new output, cut
    # anywhere by the engine's frames and by the socket's reads.
    stream = engine_frame(struct.pack(">L", len(earlier)) + earlier[:5]) + engine_frame(earlier[5:] + b"new output")
    for i in range(0, len(stream), 7):
        engine.sendall(stream[i : i + 7])
    await shell.attach()
    assert shell.earlier_output() == earlier
    assert await shell.read(65536) == b"new output"


async def test_reads_take_apart_frames_split_anywhere_and_stderr_too(wires):
    shell, engine = wires
    engine.sendall(engine_frame(struct.pack(">L", 0)))
    await shell.attach()
    assert shell.earlier_output() == b""
    stream = engine_frame(b"a" * 70000) + engine_frame(b"holder: oops\n", stream=2) + engine_frame(b"end")
    engine.sendall(stream[:3])
    reader = asyncio.create_task(read_until(shell, b"end"))
    await asyncio.sleep(0.01)
    engine.sendall(stream[3:])
    assert await reader == b"a" * 70000 + b"holder: oops\nend"


async def read_until(shell, needle: bytes) -> bytes:
    data = b""
    while not data.endswith(needle):
        chunk = await shell.read(4096)
        assert chunk, "ended early"
        data += chunk
    return data


async def test_the_end_of_the_stream_is_the_end_of_the_shell(wires):
    shell, engine = wires
    engine.sendall(engine_frame(struct.pack(">L", 2) + b"$ "))
    await shell.attach()
    engine.shutdown(socket.SHUT_WR)
    assert await shell.read(100) == b""


async def test_a_holder_that_does_not_answer_is_an_error(wires):
    shell, engine = wires
    engine.sendall(engine_frame(b"sh: 1: dockyard-shell: not found\n", stream=2))
    engine.shutdown(socket.SHUT_WR)
    with pytest.raises(ConnectionError):
        await shell.attach()


async def test_input_sizes_and_hang_up_are_framed_for_the_holder(wires):
    shell, engine = wires
    await shell.write(b"ls\r")
    await shell.write(b"x" * 70000)  # more than one frame holds
    await shell.resize(132, 43)
    await shell.hang_up()
    engine.settimeout(5)
    received = b""
    while chunk := engine.recv(1 << 20):
        received += chunk
    assert received == (
        b"d\x00\x03ls\r"
        + b"d\xff\xff"
        + b"x" * 65535
        + b"d" + struct.pack(">H", 70000 - 65535) + b"x" * (70000 - 65535)
        + b"r\x00\x04" + struct.pack(">HH", 132, 43)
        + b"h\x00\x00"
    )  # fmt: skip
    assert await shell.read(10) == b""  # closed: detached


async def test_what_the_holder_sends_first_is_bounded_by_the_ring_asked_for(wires):
    shell, engine = wires
    # The student is root in the workspace: a program of theirs can answer on the holder's socket.
    engine.sendall(engine_frame(struct.pack(">L", 1025) + b"x" * 1025))
    with pytest.raises(HolderUnavailable):
        await shell.attach()


async def test_a_holder_that_never_sends_its_screen_is_given_up(wires, monkeypatch):
    from sandbox.backends.docker import terminal

    shell, engine = wires
    monkeypatch.setattr(terminal, "ATTACH_TIMEOUT", 0.2)
    engine.sendall(engine_frame(struct.pack(">L", 10) + b"abc"))  # and then nothing
    with pytest.raises(HolderUnavailable):
        await shell.attach()


def started_exec(engine: socket.socket, ours: socket.socket, first: bytes):
    """An exec as the Docker SDK hands it over (`exec_start(socket=True)`) after the
    engine sent its response headers and `first` in one write, as on a busy host."""
    import http.client
    from types import SimpleNamespace

    engine.sendall(
        b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
        b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + first
    )
    response = http.client.HTTPResponse(ours)
    response.begin()  # reads the headers, and with them what came after, into its buffer
    stream = response.fp.raw  # what docker-py's _get_raw_response_socket returns for a unix socket
    stream._response = SimpleNamespace(raw=SimpleNamespace(_fp=response))
    return stream


async def test_a_first_frame_read_with_the_exec_response_headers_is_not_lost():
    """Seen at 661 sandboxes: the holder's first frame came with the headers, and
    the shell fell back to one held by the app process."""
    from sandbox.backends.docker.exec import hijacked

    ours, engine = socket.socketpair()
    try:
        stream = started_exec(engine, ours, engine_frame(struct.pack(">L", 0)))
        with pytest.raises(BlockingIOError):  # the frame is not on the socket any more: in the client's buffer
            ours.recv(64, socket.MSG_DONTWAIT | socket.MSG_PEEK)
        sock, early = hijacked(stream)
        assert early == engine_frame(struct.pack(">L", 0))
        shell = HeldShell(sock, max_earlier=1024, early=early)
        engine.sendall(engine_frame(b"$ "))
        await shell.attach()
        assert shell.earlier_output() == b""
        assert await shell.read(65536) == b"$ "
    finally:
        engine.close()
        ours.close()


def test_a_bounded_exec_reads_the_frames_that_came_with_the_headers_first():
    import time

    from sandbox.backends.docker.exec import _Buffered, _read_frames, hijacked

    ours, engine = socket.socketpair()
    try:
        sock, early = hijacked(started_exec(engine, ours, engine_frame(b"report 0\n")))
        engine.sendall(engine_frame(b"report 1\n"))
        engine.shutdown(socket.SHUT_WR)
        out = _read_frames(_Buffered(sock, early), 1 << 20, time.monotonic() + 5)
        assert out.stdout == b"report 0\nreport 1\n"
    finally:
        engine.close()
        ours.close()
