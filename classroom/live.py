"""From sandbox events to the dashboards of the student's classes.

One ClassroomListener per SandboxRuntime (registered in apps.py with
sandbox.events.listen): it sees, in the process that holds the student's
shell, each command finishing (with its exit status), each page attaching
(which lesson it shows), each change of the sandbox. For a student in a class
it pushes one small message to that class's dashboards at once; the
student's LiveState (what a dashboard opened later starts from) is written
once a second for everyone who changed, in one transaction, so the one thread
all ORM calls share is not queued with a write per command.
Keystrokes and output are never events: the dashboard costs nothing per key.

Its ScreenFeed draws the miniatures: every CLASSROOM_SCREEN_INTERVAL seconds,
the end of each shell's screen that had output since, as text, in one message
per class (a group send costs about as much as the class's whole batch).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from classroom import push
from classroom.memberships import classes_of
from classroom.models import LiveState
from lessons.steps import SLUG_RE
from sandbox.events import SandboxEvent
from sandbox.services import owner_id

log = logging.getLogger(__name__)

SANDBOX_STATES = {
    "sandbox.starting": "starting",
    "sandbox.started": "running",
    "sandbox.stopped": "stopped",
    "sandbox.removed": "missing",
}
SCREEN_ROWS = 6
SCREEN_COLS = 100
WRITE_EVERY = 1.0  # seconds between two writes of the LiveState rows that changed


def _change(event: SandboxEvent) -> tuple[dict, dict] | None:
    """(the dashboard's message, the LiveState fields) an event changes; None if none."""
    if event.kind in SANDBOX_STATES:
        state = SANDBOX_STATES[event.kind]
        return {"type": "sandbox", "state": state}, {"sandbox": state}
    if event.kind == "sandbox.failed":
        state = "full" if event.data.get("reason") == "full" else "error"
        return {"type": "sandbox", "state": state}, {"sandbox": state}
    if event.kind == "shell.prompt":
        status = event.data.get("status")
        at = datetime.fromtimestamp(event.at, tz=UTC)
        return {"type": "command", "status": status}, {"last_command_at": at, "last_command_status": status}
    if event.kind == "terminal.opened" and not event.data.get("read_only"):
        slug = (event.data.get("context") or {}).get("lesson", "")
        if SLUG_RE.match(slug):
            return {"type": "lesson", "lesson": slug}, {"lesson_slug": slug}
    return None


class ClassroomListener:
    def __init__(self, runtime):
        self.runtime = runtime
        self.screens = ScreenFeed(runtime)
        self.states = LiveStateWriter()

    async def __call__(self, event: SandboxEvent) -> None:
        if event.kind == "terminal.opened":
            self.screens.ensure_running()
        change = _change(event)
        user_id = event.data.get("user_id") or owner_id(event.key)
        if change is None or user_id is None:
            return
        classes = await classes_of(user_id)
        if not classes:
            return
        message, fields = change
        await push.to_dashboards(classes, {**message, "id": user_id, "at": event.at})
        self.states.change(user_id, fields)

    async def close(self) -> None:
        self.screens.stop()
        await self.states.flush()


class LiveStateWriter:
    """Changes to students' LiveState rows, merged and written once a second."""

    def __init__(self):
        self.pending: dict[int, dict] = {}
        self._task: asyncio.Task | None = None

    def change(self, user_id: int, fields: dict) -> None:
        self.pending.setdefault(user_id, {}).update(fields)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later(), name="classroom live states")

    async def _later(self) -> None:
        await asyncio.sleep(WRITE_EVERY)
        await self.flush()

    async def flush(self) -> None:
        pending, self.pending = self.pending, {}
        if pending:
            try:
                await save_live_states(pending)
            except Exception:  # a busy database: the next change writes again
                log.exception("could not write %d live states", len(pending))


@database_sync_to_async
def save_live_states(changes: dict[int, dict]) -> None:
    with transaction.atomic():
        for user_id, fields in changes.items():
            if not LiveState.objects.filter(user_id=user_id).update(**fields):
                LiveState.objects.update_or_create(user_id=user_id, defaults=fields)


class ScreenFeed:
    """Miniatures of the screens of this process's shells, at a bounded rate, only
    after output, only for students in a class. It runs while shells are open."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._task: asyncio.Task | None = None
        self._drawn: dict[str, int] = {}  # sandbox key -> output_bytes when last drawn

    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="classroom screens")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(settings.CLASSROOM_SCREEN_INTERVAL)
            sessions = self.runtime.shells.alive()
            if not sessions:
                self._drawn.clear()
                return  # the next terminal that opens starts it again
            by_class: dict[int, dict[int, dict]] = {}
            for session in sessions:
                try:
                    await self._draw(session, by_class)
                except Exception:  # one student's screen must not stop the others'
                    log.exception("could not draw the screen of %s", session.key)
                await asyncio.sleep(0)  # 200 screens are 200 short turns, not one long one
            for classroom_id, screens in by_class.items():
                await push.to_dashboards([classroom_id], {"type": "screens", "screens": screens, "at": time.time()})

    async def _draw(self, session, by_class: dict[int, dict[int, dict]]) -> None:
        if self._drawn.get(session.key) == session.output_bytes:
            return
        self._drawn[session.key] = session.output_bytes
        user_id = owner_id(session.key)
        classes = await classes_of(user_id) if user_id is not None else ()
        if classes:
            screen = screen_json(session)
            for classroom_id in classes:
                by_class.setdefault(classroom_id, {})[user_id] = screen


def screen_json(session) -> dict:
    screen = session.screen(SCREEN_ROWS)
    return {"lines": [line[:SCREEN_COLS] for line in screen.lines], "full_screen": screen.full_screen}
