"""One shell per sandbox, shown by the server and shared by its terminals.

The sandbox holds the student's shell (`dockyard-shell`, see
sandbox/backends/docker/terminal.py); this process attaches to it once and
keeps the attachment while the sandbox runs; every websocket of that student
(a reload, a second tab, the instructor watching) subscribes to it. Output is
read once, kept in a replay buffer and fanned out, so a new subscriber first
gets the recent screen and scrollback, then the live stream. The shell
outlives this process: a restarted server, or another server process,
attaches to the same one and starts its replay from the holder's.

Why not tmux: with every byte parsed by a multiplexer and copied through one
more PTY, throughput was 78 % of a bare `docker exec` (dtach: 82 %). The
holder copies from the shell's PTY straight into the exec's pipe and parses
nothing (bench/README.md has the numbers).

Taking over: a watcher the attach rule lets type (sandbox.services.access) may
ask to; while it types, every subscriber is told who ("typist"), so the
student's pages show it, and the student's own keystrokes still work. Either
side ends it.

Flow control: each subscriber counts its unacknowledged bytes (sandbox.flow).
Reading pauses only while every subscriber is behind, so a slow watcher or a
background tab never stalls the student; one that fell behind skips output and
gets the replay again once it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from typing import Protocol

from django.conf import settings

from sandbox import replay as replay_cleaning
from sandbox.backends.base import TerminalStream
from sandbox.flow import FlowControl
from sandbox.prompt_marker import MarkerDetector, ShellMark
from sandbox.recording import ShellRecorder
from sandbox.screen_text import screen_lines

log = logging.getLogger(__name__)
# What typing says about the line at the prompt (ShellSession._note_typing).
CTRL_C, CTRL_U = b"\x03", b"\x15"  # each drops the line typed so far
PRINTABLE = re.compile(rb"[!-~\x80-\xff]")

READ_CHUNK = 64 * 1024
RESET = b"\x1bc"  # full reset: the replay redraws the screen from scratch
# Entering and leaving the alternate screen (vim, less, top): 1049, 1047, 47.
ALT_SCREEN = re.compile(rb"\x1b\[\?(?:1049|1047|47)([hl])")


class Subscriber(Protocol):
    flow: FlowControl
    read_only: bool  # a watcher: never types, never answers the terminal's queries

    async def output(self, data: bytes) -> None: ...

    def mark(self, mark: ShellMark) -> None:
        """The shell printed a marker: a command finished, or bash waits for more of one."""

    async def shell_size(self, cols: int, rows: int) -> None:
        """The shell's terminal size, on joining and on every change (watchers draw at it)."""

    async def ended(self) -> None: ...

    async def typist(self, name: str | None) -> None:
        """Who, other than the owner, types in this shell now (None: nobody). Optional."""


@dataclasses.dataclass(frozen=True)
class Screen:
    """The end of a shell's screen as text (sandbox.screen_text), for miniatures."""

    lines: list[str]
    cols: int
    rows: int
    full_screen: bool  # a full-screen program runs: the lines are not its screen


class ReplayBuffer:
    """The last `limit` bytes of output, cut at a line start when trimmed."""

    def __init__(self, limit: int):
        self.limit = limit
        self._data = bytearray()
        self._trimmed = False

    def append(self, data: bytes) -> None:
        self._data += data
        if len(self._data) > 2 * self.limit:  # trim in batches: amortized O(1)
            del self._data[: len(self._data) - self.limit]
            self._trimmed = True

    def tail(self) -> bytes:
        return bytes(self._data[-self.limit :])

    def start_with(self, earlier: bytes) -> None:
        """What a shell kept in the sandbox showed before this process attached
        (kept there in a ring as long as this buffer: a full one was cut)."""
        self._data = bytearray(earlier[-self.limit :])
        self._trimmed = len(earlier) >= self.limit

    def replay(self) -> bytes:
        """What a terminal that connects now needs to draw; b"" for a new shell.
        Never a terminal query, never a full-screen program that has exited (sandbox.replay)."""
        if not self._data:
            return b""
        data = bytes(self._data[-self.limit :])
        if self._trimmed or len(self._data) > self.limit:
            # Never start inside an escape sequence or a UTF-8 character.
            newline = data.find(b"\n")
            data = data[newline + 1 :] if newline != -1 else b""
        return RESET + replay_cleaning.clean(data)


class ShellSession:
    def __init__(
        self, key: str, stream: TerminalStream, size: tuple[int, int], on_end=None, events=None, recorder=None
    ):
        self.key = key
        self.recorder: ShellRecorder | None = recorder  # sandbox.recording: takes note of every read
        self._on_end = on_end  # called with this session once its shell has ended
        self._events = events  # sandbox.events.EventBus: a prompt is a "shell.prompt" event
        self.stream = stream
        self.size = size
        self.subscribers: list[Subscriber] = []
        self.replay = ReplayBuffer(settings.TERMINAL_REPLAY_BYTES)
        self.prompts = MarkerDetector()
        self.alt_screen = False
        self.output_bytes = 0  # read so far: a miniature is drawn again only after more
        self.guest: Subscriber | None = None  # a watcher who took over the typing
        self.guest_name = ""
        # The one subscriber whose terminal answers a program's queries (cursor
        # position, colours …): the student's tab typed in last. Every other tab
        # and every watcher would answer too, and each answer is typed input.
        self.responder: Subscriber | None = None
        self._behind: set[Subscriber] = set()  # subscribers that skipped output
        self._lock = asyncio.Lock()  # the replay and the live stream never interleave
        self._room = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        earlier = stream.earlier_output()
        # A shell the sandbox kept may have run anything before; a new one has run
        # nothing until someone types (the web preview's port watcher waits for that).
        self.kept = bool(earlier)
        self.commands_run = 0  # prompts that followed a line someone typed
        self._line_typed = False  # printable input since the last prompt (and no Ctrl-C/Ctrl-U after it)
        if earlier:  # a shell the sandbox kept: its screen is the replay, not new output
            self.replay.start_with(earlier)
            self._track_screen(earlier)
        self.reader = asyncio.create_task(self._read(), name=f"shell {key}")

    @property
    def alive(self) -> bool:
        return not self.reader.done()

    @property
    def may_have_published(self) -> bool:
        """Whether a command may have published a port (the web preview watches then)."""
        return self.kept or self.commands_run > 0

    async def subscribe(self, subscriber: Subscriber) -> None:
        async with self._lock:
            await subscriber.shell_size(*self.size)
            await self._send_replay(subscriber)
            if not self.alive:  # the shell exited a moment ago: nobody else will say so
                await subscriber.ended()
                return
            self.subscribers.append(subscriber)
            if not subscriber.read_only:
                self.responder = subscriber  # the tab just opened is the one in use
        if self.guest is not None:
            await _tell_typist(subscriber, self.guest_name)
        if self.alt_screen:
            await self._redraw()
        self.wake()

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with contextlib.suppress(ValueError):
            self.subscribers.remove(subscriber)
        self._behind.discard(subscriber)
        if self.responder is subscriber:
            self.responder = next((s for s in reversed(self.subscribers) if not s.read_only), None)
        if self.guest is subscriber:
            self._spawn(self.release())
        self.wake()

    # -- taking over ---------------------------------------------------------------

    async def take_over(self, subscriber: Subscriber, name: str) -> None:
        """`subscriber` (a watcher allowed to) types too from now on; everyone is told."""
        self.guest, self.guest_name = subscriber, name
        await self._tell_everyone_the_typist(name)

    async def release(self) -> None:
        """Nobody but the owner types any more (either side ended it, or the guest left)."""
        if self.guest is None:
            return
        self.guest, self.guest_name = None, ""
        await self._tell_everyone_the_typist(None)

    async def _tell_everyone_the_typist(self, name: str | None) -> None:
        for subscriber in list(self.subscribers):
            await _tell_typist(subscriber, name)

    def screen(self, max_rows: int = 24) -> Screen:
        cols, rows = self.size
        lines = [] if self.alt_screen else screen_lines(self.replay.tail(), min(rows, max_rows), cols)
        return Screen(lines, cols, rows, self.alt_screen)

    def _spawn(self, coroutine) -> None:
        self._tasks.add(task := asyncio.create_task(coroutine))
        task.add_done_callback(self._tasks.discard)

    def wake(self, subscriber: Subscriber | None = None) -> None:
        """A subscriber acknowledged output or left: reading may go on, and one
        that skipped output gets the recent screen now rather than at the next output."""
        self._room.set()
        if subscriber in self._behind and not subscriber.flow.paused:
            self._spawn(self._catch_up(subscriber))

    async def _catch_up(self, subscriber: Subscriber) -> None:
        async with self._lock:
            if subscriber in self._behind and subscriber in self.subscribers:
                self._behind.discard(subscriber)
                replay = self.replay.replay()
                if replay:
                    await self._output(subscriber, replay)

    async def write(self, data: bytes, typed_by: Subscriber | None = None) -> None:
        if typed_by is not None and not typed_by.read_only:
            self.responder = typed_by
        self._note_typing(data)
        await self.stream.write(data)

    def _note_typing(self, data: bytes) -> None:
        """Roughly whether the line at the prompt holds a command: an empty Enter,
        or a line dropped with Ctrl-C or Ctrl-U, runs nothing."""
        dropped = max(data.rfind(CTRL_C), data.rfind(CTRL_U))
        if dropped >= 0:
            self._line_typed = False
            data = data[dropped + 1 :]
        if PRINTABLE.search(data):
            self._line_typed = True

    async def answer(self, subscriber: Subscriber, reply: bytes) -> None:
        """A terminal's answer to a query goes to the program only from the responder."""
        if subscriber is self.responder:
            await self.stream.write(reply)

    async def resize(self, cols: int, rows: int) -> None:
        if (cols, rows) != self.size:
            self.size = (cols, rows)
            await self.stream.resize(cols, rows)
            if self.recorder is not None:
                self.recorder.resize(cols, rows)
            for subscriber in list(self.subscribers):
                with contextlib.suppress(Exception):
                    await subscriber.shell_size(cols, rows)

    async def close(self, hang_up: bool = False) -> None:
        """Detach from the shell (the sandbox keeps it), or end it (`hang_up`)."""
        if hang_up:
            await self.stream.hang_up()
        self.reader.cancel()
        # asyncio.wait, not `await`: the reader's cancellation is not ours to swallow
        # (a close that is itself cancelled must end as cancelled).
        await asyncio.wait([self.reader])
        await self.stream.close()

    # -- the one reader ---------------------------------------------------------

    async def _read(self) -> None:
        try:
            while True:
                await self._wait_for_a_reader()
                data = await self.stream.read(READ_CHUNK)
                if not data:
                    break
                self._track_screen(data)
                self.output_bytes += len(data)
                if self.recorder is not None:
                    self.recorder.output(data)
                async with self._lock:
                    self.replay.append(data)
                    await self._fan_out(data)
                for mark in self.prompts.feed(data):
                    if mark.kind == "prompt" and self._line_typed:
                        self._line_typed = False
                        self.commands_run += 1
                    for subscriber in list(self.subscribers):
                        subscriber.mark(mark)
                    if mark.kind == "prompt" and self._events is not None:
                        self._events.publish("shell.prompt", self.key, status=mark.status)
        except Exception:
            log.exception("shell of %s failed", self.key)
        finally:
            # Detach at once: a stream nobody reads would hold up the shell for
            # every other app process attached to it (its holder paces to the slowest).
            with contextlib.suppress(Exception):
                await self.stream.close()
            if self.recorder is not None:
                self.recorder.close()
            if self._on_end is not None:
                self._on_end(self)
            for subscriber in list(self.subscribers):
                with contextlib.suppress(Exception):
                    await subscriber.ended()

    async def _wait_for_a_reader(self) -> None:
        """Nobody attached: read on (the shell must not block). Else until one has room."""
        while self.subscribers and all(s.flow.paused for s in self.subscribers):
            self._room.clear()
            await self._room.wait()

    async def _fan_out(self, data: bytes) -> None:
        for subscriber in list(self.subscribers):
            if subscriber.flow.paused:
                self._behind.add(subscriber)
            elif subscriber in self._behind:
                self._behind.discard(subscriber)
                await self._output(subscriber, self.replay.replay())  # already holds this chunk
            else:
                await self._output(subscriber, data)

    async def _output(self, subscriber: Subscriber, data: bytes) -> None:
        """One subscriber's share; one whose connection just closed is dropped,
        never allowed to end the reader the others share."""
        try:
            await subscriber.output(data)
        except Exception as exc:
            log.info("dropped a subscriber of %s whose send failed: %r", self.key, exc)
            self.unsubscribe(subscriber)
        else:
            subscriber.flow.sent(len(data))

    async def _send_replay(self, subscriber: Subscriber) -> None:
        replay = self.replay.replay()
        if replay:
            await subscriber.output(replay)
            subscriber.flow.sent(len(replay))

    def _track_screen(self, data: bytes) -> None:
        modes = ALT_SCREEN.findall(data)
        if modes:
            self.alt_screen = modes[-1] == b"h"

    async def _redraw(self) -> None:
        """Full-screen programs redraw on a size change (SIGWINCH); the replay may
        hold only the end of their screen."""
        cols, rows = self.size
        await self.stream.resize(cols, max(1, rows - 1))
        await self.stream.resize(cols, rows)


async def _tell_typist(subscriber: Subscriber, name: str | None) -> None:
    tell = getattr(subscriber, "typist", None)
    if tell is not None:
        with contextlib.suppress(Exception):
            await tell(name)


class ShellSessions:
    """The shells this process holds, one per sandbox key (part of its SandboxRuntime)."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._sessions: dict[str, ShellSession] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        self._opened: dict[str, asyncio.Event] = {}  # set when a shell of that sandbox opens

    async def open(self, key: str, cols: int, rows: int, language: str = "") -> ShellSession:
        """The sandbox's shell, opened first if this process holds none (telling the
        sandbox the page's `language` on the way)."""
        lock = self._opening.setdefault(key, asyncio.Lock())
        async with lock:
            session = self._sessions.get(key)
            if session is None or not session.alive:
                stream = await self.runtime.backend.open_terminal(key, cols=cols, rows=rows, language=language)
                opened: list[ShellSession] = []  # the replay, for a recording that begins later
                recorder = await self._recorder(key, cols, rows, lambda: opened[0].replay.replay() if opened else b"")
                session = self._sessions[key] = ShellSession(
                    key, stream, (cols, rows), on_end=self.forget, events=self.runtime.events, recorder=recorder
                )
                opened.append(session)
                self._opened.pop(key, asyncio.Event()).set()
            return session

    async def _recorder(self, key: str, cols: int, rows: int, screen) -> ShellRecorder | None:
        """Asked before the shell's reader first runs, so a recording misses nothing."""
        recording = self.runtime.recording
        if recording is None:
            return None
        try:
            return await recording.start(key, cols, rows, screen=screen)
        except Exception:  # a recording that cannot start must not cost the student the shell
            log.exception("could not start recording %s", key)
            return None

    def get(self, key: str) -> ShellSession | None:
        session = self._sessions.get(key)
        return session if session is not None and session.alive else None

    async def wait_for_shell(self, key: str, timeout: float) -> bool:
        """Wait until this process opens a shell for `key` (its student came); False on timeout."""
        if key in self._sessions and self._sessions[key].alive:
            return True
        event = self._opened.setdefault(key, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except TimeoutError:
            return False

    def alive(self) -> list[ShellSession]:
        """The shells this process holds now."""
        return [session for session in self._sessions.values() if session.alive]

    def forget(self, session: ShellSession) -> None:
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]

    async def close_all(self, hang_up: bool = False) -> None:
        """Detach from every shell (shutdown: the sandboxes keep them for the next
        process), or end them (`hang_up`: tests)."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close(hang_up)
