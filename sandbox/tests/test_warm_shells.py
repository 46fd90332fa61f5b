"""Pool shells attached ahead (warm_shells), against a socket playing the engine:
what the shell printed while waiting reaches the student, and an attachment
that would hold up a shell used elsewhere lets go. The real pool: test_pool_docker.py."""

import asyncio
import socket
import struct

import pytest

from sandbox.backends.docker.terminal import HeldShell
from sandbox.backends.docker.warm_shells import FRESH_OUTPUT_LIMIT, WarmShell, WarmShells


def engine_frame(payload: bytes) -> bytes:
    return struct.pack(">BxxxL", 1, len(payload)) + payload


@pytest.fixture
def wires():
    ours, engine = socket.socketpair()
    ours.setblocking(False)
    engine.settimeout(5)
    yield HeldShell(ours, max_earlier=1024), engine
    engine.close()


async def attached(shell, engine) -> WarmShell:
    engine.sendall(engine_frame(struct.pack(">L", 0)))  # the holder's (empty) screen
    await shell.attach()
    return WarmShell(shell, "workspace-id", 80, 24, "en")


async def settle():
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_the_prompt_printed_while_waiting_is_the_first_thing_the_student_reads(wires):
    shell, engine = wires
    warm = await attached(shell, engine)
    engine.sendall(engine_frame(b"root@sandbox:~# "))
    await settle()
    assert await warm.take() is shell
    engine.sendall(engine_frame(b"ls\r\n"))
    assert await shell.read(4096) == b"root@sandbox:~# "
    assert await shell.read(4096) == b"ls\r\n"
    await shell.write(b"x")  # still attached: input reaches the holder
    assert engine.recv(16) == b"d\x00\x01x"


async def test_a_shell_that_prints_more_than_a_fresh_one_is_let_go(wires):
    """Someone uses it from another process: reading on would be pointless, and
    stopping to read would hold their shell up (the holder waits for its slowest client)."""
    shell, engine = wires
    warm = await attached(shell, engine)
    engine.sendall(engine_frame(b"y\n" * FRESH_OUTPUT_LIMIT))
    await settle()
    assert engine.recv(4096) == b""  # detached: the engine's side sees the end
    assert not warm.of_use
    assert await warm.take() is None


async def test_a_shell_that_ended_is_of_no_use(wires):
    shell, engine = wires
    warm = await attached(shell, engine)
    engine.close()
    await settle()
    assert await warm.take() is None


async def test_taken_once_by_the_key_a_claim_moved_it_to(wires):
    shell, engine = wires
    warm_shells = WarmShells()
    warm_shells.keep("pool-a", await attached(shell, engine))
    warm_shells.move("pool-a", "u1")
    assert await warm_shells.take("pool-a") is None
    assert (await warm_shells.take("u1")).shell is shell
    assert await warm_shells.take("u1") is None


async def test_a_sweep_forgets_attachments_that_ended_and_discard_detaches(wires):
    shell, engine = wires
    other_ours, other_engine = socket.socketpair()
    other_ours.setblocking(False)
    other_engine.settimeout(5)
    warm_shells = WarmShells()
    warm_shells.keep("pool-ended", await attached(shell, engine))
    warm_shells.keep("pool-waiting", await attached(HeldShell(other_ours, max_earlier=1024), other_engine))
    engine.close()
    await settle()
    await warm_shells.sweep()
    assert not warm_shells.has("pool-ended") and warm_shells.has("pool-waiting")
    await warm_shells.discard("pool-waiting")
    assert not warm_shells.has("pool-waiting")
    assert other_engine.recv(16) == b""
    other_engine.close()


def test_an_attachment_made_in_a_loop_that_is_gone_is_closed_not_used(wires):
    shell, engine = wires
    warm = asyncio.run(attached(shell, engine))
    assert asyncio.run(warm.take()) is None
    assert engine.recv(16) == b""
