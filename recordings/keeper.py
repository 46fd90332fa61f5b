"""Each runtime's recording of its shells (sandbox.recording's Recording).

Every shell the runtime opens gets a ShellRecording. On the event loop it only
appends what the shell printed to a list, with the time (about a microsecond a
read); once a second (sooner past EARLY_FLUSH_BYTES) the keeper hands every
recording's list to one thread, which encodes it as asciicast
(recordings.cast) and appends it to the recording's file (recordings.store),
dropping the student's oldest recordings past RECORDING_MAX_BYTES. A shell
whose student is not recorded keeps a dormant recording: its output() returns
at once. Who is recorded is asked when the shell opens and every
POLICY_INTERVAL seconds after (recordings.policy): a class that turns
recording on starts a new file with the screen as it is; off ends the file.
A flood is kept in part (RATE): what waits for the thread stays bounded
and a `yes` costs the terminal nothing; the recording marks what it skipped
and goes on from the screen as it then is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from django.conf import settings

from recordings import policy, store
from recordings.cast import MARKER_START, CastEncoder, header
from sandbox.services import owner_id

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0
POLICY_INTERVAL = 30.0
EARLY_FLUSH_BYTES = 1 << 20
PENDING_LIMIT = 8 << 20
# A shell's output is kept at up to RATE bytes a second (BURST at once): past
# it (a flood: `yes`, `cat` of a large file) the rest is skipped until the
# shell prints its prompt or the allowance is half full again, and the
# recording goes on from the screen as it is then. Encoding costs about 3 ms
# of CPU a megabyte, which the terminal's own throughput would otherwise pay.
RATE = 2 << 20
BURST = 4 << 20
RESERVE = 256  # bytes kept for the marker that says the recording is full
LIMIT_REACHED = "recording limit reached"
TURNED_OFF = "recording turned off"
SKIPPED = "output skipped: printed faster than a recording keeps"


class ShellRecording:
    """One shell's recorder: the loop side (output, resize, close) appends items;
    the thread side (write) turns them into the current file's lines."""

    def __init__(self, keeper: RecordingKeeper, key: str, user_id: int, size: tuple[int, int], screen):
        self.keeper, self.key, self.user_id = keeper, key, user_id
        self.size = size
        self.screen: Callable[[], bytes] = screen
        self.active = False  # recorded now
        self.closed = False  # the shell ended
        self.full = False  # the current file reached the student's limit (set by the thread)
        self._items: list[tuple] = []
        self._pending = 0
        self._skipping = False
        self._allowance = float(BURST)  # bytes that may be kept now (see RATE)
        self._last = time.monotonic()
        # The thread's side: the current file.
        self.name = ""
        self._started = 0.0
        self._encoder: CastEncoder | None = None
        self._written = 0
        self._stopped = True

    # -- on the event loop -------------------------------------------------------

    def output(self, data: bytes) -> None:
        if not self.active or self.full:
            return
        now = time.monotonic()
        self._allowance = min(BURST, self._allowance + (now - self._last) * RATE)
        self._last = now
        if self._skipping:
            if self._allowance < BURST / 2 and MARKER_START not in data:
                return
            self._skipping = False  # go on from the screen as it is (a prompt: the flood ended)
            self._items.append(("screen", now, self.screen()))
        elif self._allowance < len(data) or self._pending > PENDING_LIMIT:
            self._skipping = True
            self._items.append(("m", now, SKIPPED))
            return
        self._allowance -= len(data)
        self._items.append(("o", now, data))
        self._pending += len(data)
        if self._pending > EARLY_FLUSH_BYTES:
            self.keeper.wake()

    def resize(self, cols: int, rows: int) -> None:
        self.size = (cols, rows)
        if self.active:
            self._items.append(("r", time.monotonic(), (cols, rows)))

    def close(self) -> None:
        if self.active:
            self._items.append(("end", time.monotonic(), None))
        self.active, self.closed = False, True
        self.keeper.wake()

    def begin(self, screen: bool = False) -> None:
        """Record from now, in a new file; `screen`: starting with what the shell shows."""
        now = datetime.now(UTC)
        self.active, self.full = True, False
        self._items.append(("begin", time.monotonic(), (store.new_name(now), int(now.timestamp()), self.size)))
        if screen:
            self._items.append(("screen", time.monotonic(), self.screen()))

    def stop(self, why: str) -> None:
        if self.active:
            self._items.append(("end", time.monotonic(), why))
            self.active = False

    def take(self) -> list[tuple]:
        items, self._items, self._pending = self._items, [], 0
        return items

    @property
    def waiting(self) -> bool:
        return bool(self._items)

    # -- in the writer thread ---------------------------------------------------

    def write(self, items: list[tuple], limit: int) -> None:
        lines: list[bytes] = []
        for kind, at, value in items:
            if kind == "begin":
                self._flush(lines, limit)
                lines = []
                self.name, timestamp, (cols, rows) = value
                self._started, self._encoder, self._written, self._stopped = at, CastEncoder(), 0, False
                lines.append(header(cols, rows, timestamp))
            elif self._stopped:
                continue
            elif kind in ("o", "screen"):
                lines.append(self._encoder.output(at - self._started, value, commands=kind == "o"))
                time.sleep(0)  # let the event loop's thread have the GIL now, not after 5 ms
            elif kind == "r":
                lines.append(self._encoder.resize(at - self._started, *value))
            elif kind == "m":
                lines.append(self._encoder.marker(at - self._started, value))
            elif kind == "end":
                if value:
                    lines.append(self._encoder.marker(at - self._started, value))
                self._flush(lines, limit)
                lines, self._stopped = [], True
        self._flush(lines, limit)

    def _flush(self, lines: list[bytes], limit: int) -> None:
        blob = b"".join(lines)
        if not blob:
            return
        path = store.path_of(self.user_id, self.name)
        if self._written and not path.exists():  # deleted with the account, or by hand
            self._stopped, self.full = True, True
            return
        room = store.keep_within_budget(self.user_id, self.name, limit - len(blob)) + len(blob) - RESERVE
        if len(blob) > room:
            kept = []
            for line in lines:
                room -= len(line)
                if room < 0:
                    break
                kept.append(line)
            at = time.monotonic() - self._started
            blob = b"".join(kept) + self._encoder.marker(at, LIMIT_REACHED)
            self._stopped, self.full = True, True
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as file:
            file.write(blob)
        self._written += len(blob)


def _write_batch(batch: list[tuple[ShellRecording, list[tuple]]], limit: int) -> None:
    for recording, items in batch:
        try:
            recording.write(items, limit)
        except Exception:  # one student's disk trouble must not stop the others' recordings
            log.exception("could not write the recording of %s", recording.key)


class RecordingKeeper:
    """The runtime's Recording (set with sandbox.recording.record_with)."""

    def __init__(self, runtime=None):
        self.runtime = runtime
        self.recordings: list[ShellRecording] = []
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._writing = asyncio.Lock()

    async def start(self, key: str, cols: int, rows: int, screen) -> ShellRecording | None:
        user_id = owner_id(key)
        if user_id is None:
            return None  # a pool sandbox: nobody's yet
        mode = await database_sync_to_async(policy.mode_of)(user_id)
        recording = ShellRecording(self, key, user_id, (cols, rows), screen)
        if mode != policy.OFF:
            recording.begin()
        self.recordings.append(recording)
        self._ensure_running()
        return recording

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="recordings")

    async def _run(self) -> None:
        checked = time.monotonic()
        while self.recordings:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            self._wake.clear()
            try:
                if time.monotonic() - checked >= POLICY_INTERVAL:
                    checked = time.monotonic()
                    await self.apply_policy()
                await self.flush()
            except Exception:  # a busy database or disk: try again at the next round
                log.exception("could not write recordings")

    async def apply_policy(self) -> None:
        """Begin or end recordings of open shells as their students' classes say now."""
        open_ones = [recording for recording in self.recordings if not recording.closed]
        modes = await database_sync_to_async(policy.modes)({recording.user_id for recording in open_ones})
        for recording in open_ones:
            wanted = modes.get(recording.user_id, policy.OFF) != policy.OFF
            if wanted and not recording.active:
                recording.begin(screen=True)
            elif not wanted and recording.active:
                recording.stop(TURNED_OFF)

    async def flush(self) -> None:
        """Write what every recording has waiting, in a thread; forget ended shells."""
        async with self._writing:
            batch = [(recording, recording.take()) for recording in self.recordings if recording.waiting]
            if batch:
                await asyncio.to_thread(_write_batch, batch, settings.RECORDING_MAX_BYTES)
            self.recordings = [r for r in self.recordings if not r.closed or r.waiting]

    async def close(self) -> None:
        for recording in self.recordings:
            if not recording.closed:
                recording.close()
        await self.flush()
        if self._task is not None:
            self._task.cancel()
