"""One shell per sandbox, shared by its websockets (sandbox/shells.py), with the
fake backend: replay on (re)connect, fan-out, and flow control that a slow
subscriber cannot turn against the others. The real engine is in
test_terminal_docker.py."""

import asyncio
import json

import pytest

from sandbox.shells import RESET, ReplayBuffer
from sandbox.tests.test_terminal_consumer import open_terminal, read_bytes, until_status

pytestmark = pytest.mark.django_db(transaction=True)


async def connected(user, path="/ws/terminal/"):
    communicator, ok, _ = await open_terminal(user, path=path)
    assert ok
    await until_status(communicator, "ready")
    return communicator


async def all_bytes(communicator, quiet=0.2):
    """Terminal bytes until nothing more arrives for `quiet` seconds."""
    received = b""
    while not await communicator.receive_nothing(quiet):
        output = await communicator.receive_output(1)
        received += output.get("bytes") or b""
    return received


async def test_a_reconnect_gets_the_same_shell_and_its_recent_output(fake_backend, alice):
    first = await connected(alice)
    await first.send_to(bytes_data=b"echo one\r")
    assert await read_bytes(first) == b"echo one\r"
    await first.disconnect()

    again = await connected(alice)
    assert await read_bytes(again) == RESET + b"echo one\r"
    await again.send_to(bytes_data=b"echo two\r")
    assert await read_bytes(again) == b"echo two\r"
    assert len(fake_backend.terminals) == 1
    assert fake_backend.terminals[0].written == b"echo one\recho two\r"
    await again.disconnect()


async def test_two_tabs_both_see_what_either_types(fake_backend, alice):
    left, right = await connected(alice), await connected(alice)
    await left.send_to(bytes_data=b"from-left\r")
    assert await read_bytes(right) == b"from-left\r"
    await right.send_to(bytes_data=b"from-right\r")
    assert await all_bytes(left) == b"from-left\rfrom-right\r"
    await left.disconnect()
    await right.disconnect()


async def test_the_shell_is_read_while_nobody_is_attached(fake_backend, alice):
    tab = await connected(alice)
    shell = fake_backend.terminals[0]
    await tab.disconnect()
    # A command left running keeps printing; nothing waits for a browser.
    for line in range(100):
        await shell.output.put(b"line %d\r\n" % line)
    for _ in range(50):
        if shell.output.empty():
            break
        await asyncio.sleep(0.01)
    assert shell.output.empty()
    later = await connected(alice)
    replay = await all_bytes(later)
    assert replay.startswith(RESET) and replay.endswith(b"line 99\r\n")
    await later.disconnect()


async def test_a_slow_watcher_never_holds_up_the_student(fake_backend, alice, teacher, settings):
    settings.TERMINAL_HIGH_WATERMARK = 4096
    settings.TERMINAL_LOW_WATERMARK = 1024
    settings.TERMINAL_REPLAY_BYTES = 2048
    student = await connected(alice)
    watcher = await connected(teacher, "/ws/terminal/alice/")
    shell = fake_backend.terminals[0]
    chunk = b"x" * 1000 + b"\n"

    async def flood(count):
        for _ in range(count):
            await shell.output.put(chunk)

    # Both fill their window; only the student acknowledges (acks count new bytes).
    await flood(5)
    assert len(await all_bytes(watcher)) == 5 * len(chunk)
    assert len(await all_bytes(student)) == 5 * len(chunk)
    await student.send_to(text_data=json.dumps({"type": "ack", "bytes": 5 * len(chunk)}))
    await flood(20)
    received = 0
    while received < 20 * len(chunk):
        data = await read_bytes(student)
        received += len(data)
        await student.send_to(text_data=json.dumps({"type": "ack", "bytes": len(data)}))
    assert await watcher.receive_nothing(0.2)  # paused, skipping output

    # Once it catches up, it gets the recent screen again, not the backlog.
    await watcher.send_to(text_data=json.dumps({"type": "ack", "bytes": 5 * len(chunk)}))
    resync = await read_bytes(watcher)
    assert resync.startswith(RESET) and resync.endswith(chunk) and len(resync) <= len(RESET) + 2048
    await shell.output.put(b"after\n")
    assert await read_bytes(watcher) == b"after\n"
    await student.disconnect()
    await watcher.disconnect()


async def test_when_the_shell_exits_every_terminal_is_told_and_the_next_one_starts_a_new_shell(
    fake_backend, alice, teacher
):
    student = await connected(alice)
    watcher = await connected(teacher, "/ws/terminal/alice/")
    await fake_backend.terminals[0].close()
    await fake_backend.terminals[0].output.put(b"")  # the fake's end of stream
    await until_status(student, "ended")
    await until_status(watcher, "ended")
    assert (await student.receive_output(1))["type"] == "websocket.close"

    again = await connected(alice)
    assert len(fake_backend.terminals) == 2
    await again.send_to(bytes_data=b"new\r")
    assert await read_bytes(again) == b"new\r"  # no replay: a new shell
    await again.disconnect()


async def test_joining_a_full_screen_program_asks_it_to_redraw(fake_backend, alice, teacher):
    student = await connected(alice)
    shell = fake_backend.terminals[0]
    await student.send_to(text_data='{"type": "resize", "cols": 100, "rows": 30}')
    await shell.output.put(b"\x1b[?1049h\x1b[Hvim screen")
    await read_bytes(student)
    for _ in range(100):
        if shell.sizes[-1] == (100, 30):
            break
        await asyncio.sleep(0.01)
    before = len(shell.sizes)
    watcher = await connected(teacher, "/ws/terminal/alice/")
    await all_bytes(watcher)
    # A size change makes vim (SIGWINCH) draw its whole screen again.
    assert shell.sizes[before:] == [(100, 29), (100, 30)]
    await shell.output.put(b"\x1b[?1049l")
    await read_bytes(student)
    late = await connected(teacher, "/ws/terminal/alice/")
    await all_bytes(late)
    assert len(shell.sizes) == before + 2  # back at the prompt: no redraw needed
    for communicator in (student, watcher, late):
        await communicator.disconnect()


def test_the_replay_starts_at_a_line_once_trimmed():
    replay = ReplayBuffer(limit=10)
    replay.append(b"abc\n")
    assert replay.replay() == RESET + b"abc\n"
    replay.append("第一行\n第二\n".encode())  # cut inside a character, then at a line
    assert replay.replay() == RESET + "第二\n".encode()
    for _ in range(100):
        replay.append(b"0123456789")
    assert len(replay.replay()) <= len(RESET) + 10


async def test_joining_a_shell_that_just_exited_says_it_ended(fake_backend, alice, sandbox_runtime):
    class Listener:
        def __init__(self):
            from sandbox.flow import FlowControl

            self.flow = FlowControl(1024, 0)
            self.got, self.ended_ = b"", False
            self.read_only = False

        async def output(self, data):
            self.got += data

        def mark(self, mark):
            return False

        async def shell_size(self, cols, rows):
            pass

        async def ended(self):
            self.ended_ = True

    fake_backend.status["u1"] = "running"
    session = await sandbox_runtime.shells.open("u1", 80, 24)
    await fake_backend.terminals[0].output.put(b"bye\r\n")
    await fake_backend.terminals[0].output.put(b"")  # the shell exits
    await session.reader
    late = Listener()
    await session.subscribe(late)
    assert late.got == RESET + b"bye\r\n" and late.ended_
    assert session.subscribers == []


class ListeningPage:
    """A subscriber as the consumer is, without a websocket; `broken` sends fail
    as Daphne's do once the connection closed under them."""

    def __init__(self, broken=False):
        from sandbox.flow import FlowControl

        self.read_only = False
        self.flow = FlowControl(1 << 20, 1 << 18)
        self.received = b""
        self.broken = broken

    async def output(self, data):
        if self.broken:
            raise ConnectionError("Attempt to send on a closed protocol")
        self.received += data

    def mark(self, mark):
        pass

    async def shell_size(self, cols, rows):
        pass

    async def ended(self):
        pass


async def test_a_page_whose_connection_closed_does_not_end_the_shell_for_the_others():
    from sandbox.backends.fake import FakeTerminal
    from sandbox.shells import ShellSession

    stream = FakeTerminal()
    session = ShellSession("u1", stream, (80, 24))
    gone, staying = ListeningPage(broken=True), ListeningPage()
    await session.subscribe(gone)
    gone.broken = False
    await session.subscribe(staying)
    gone.broken = True
    await stream.output.put(b"first\r\n")
    await stream.output.put(b"second\r\n")
    for _ in range(100):
        if staying.received.endswith(b"second\r\n"):
            break
        await asyncio.sleep(0.01)
    assert staying.received.endswith(b"first\r\nsecond\r\n")
    assert session.alive and session.subscribers == [staying]
    await session.close()


async def test_a_shell_whose_reader_ended_lets_go_of_its_stream():
    from sandbox.backends.fake import FakeTerminal
    from sandbox.shells import ShellSession

    stream = FakeTerminal()
    session = ShellSession("u1", stream, (80, 24))
    await session.subscribe(ListeningPage())

    async def failing_read(max_bytes):
        raise OSError("the engine's connection broke")

    stream.read = failing_read  # the reader fails (it logs and ends)
    await stream.output.put(b"wake\r\n")  # the reader is already waiting on the old read
    await asyncio.wait_for(asyncio.shield(session.reader), 5)
    assert stream.closed  # detached: an attached stream nobody reads would hold up the holder


@pytest.mark.parametrize(
    "typed, commands",
    [
        (b"\r", 0),  # an empty Enter runs nothing
        (b"ls -l\x15\r", 0),  # a line dropped with Ctrl-U
        (b"sleep 9\x03", 0),  # or with Ctrl-C
        (b"ls -l\r", 1),
        (b"\x1b[A\r", 1),  # a command from the history
        (b"\x15docker ps\r", 1),
    ],
)
async def test_a_shell_counts_the_commands_typed_into_it(typed, commands):
    """The web preview's port watcher (an exec) waits for a new shell's first command."""
    from sandbox.backends.fake import FakeTerminal
    from sandbox.shells import ShellSession

    terminal = FakeTerminal()
    session = ShellSession("u1", terminal, (80, 24))
    await session.write(typed)
    await terminal.output.put(b"\r\n\x1b]7771;prompt;0\x07$ ")
    for _ in range(100):  # the shell's reader takes the echo and the prompt
        if not terminal.output.qsize():
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert session.commands_run == commands
    assert not session.kept
    await session.close()
