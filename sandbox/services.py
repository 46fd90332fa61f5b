"""What happens to sandboxes: starting, activity, watching rights, reaping.

Consumers, views and commands call these; only the backend talks to Docker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from sandbox.backends import get_backend
from sandbox.backends.base import MISSING, RUNNING, STOPPED, ProgressCallback, SandboxError, SandboxInfo
from sandbox.models import Sandbox
from tutorial.metrics import ERRORS, SANDBOX_STARTS

log = logging.getLogger(__name__)

# Activity is written at most this often per terminal, to keep the database quiet.
ACTIVITY_WRITE_INTERVAL = timedelta(seconds=30)


def sandbox_key(user) -> str:
    return f"u{user.pk}"


def may_attach(viewer, owner) -> tuple[bool, bool]:
    """(allowed, read_only): students use their own sandbox; instructors may watch any."""
    if not viewer.is_authenticated or not viewer.is_active:
        return False, True
    if viewer.pk == owner.pk:
        return True, False
    if viewer.is_staff:
        return True, True
    return False, True


@database_sync_to_async
def find_user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


@database_sync_to_async
def _save_sandbox(user, info: SandboxInfo, touch: bool) -> None:
    fields = {"key": info.key, "status": info.status, "state": info.state}
    if touch:
        fields["last_activity"] = timezone.now()
    Sandbox.objects.update_or_create(user=user, defaults=fields)


async def start_sandbox(user, progress: ProgressCallback | None = None, events=None) -> SandboxInfo:
    started = time.monotonic()
    try:
        info = await get_backend().start(sandbox_key(user), progress)
    except SandboxError as error:
        SANDBOX_STARTS.labels(error.code).observe(time.monotonic() - started)
        ERRORS.labels(error.code).inc()
        raise
    SANDBOX_STARTS.labels("ok").observe(time.monotonic() - started)
    await _save_sandbox(user, info, touch=True)
    if events is not None:
        events.publish("sandbox.started", info.key, user_id=user.pk)
    return info


def mark_active(user) -> None:
    Sandbox.objects.filter(user=user).update(last_activity=timezone.now())


# For consumers, which live outside Django's request cycle: database_sync_to_async
# also closes stale connections around the write. Views use sync_to_async.
record_activity = database_sync_to_async(mark_active)


class ActivityRecorder:
    """Writes a student's activity at most once per ACTIVITY_WRITE_INTERVAL,
    in the background: a keystroke never waits for the database. Each write is
    also an "activity" sandbox event."""

    def __init__(self, user, events=None, key: str | None = None):
        self.user = user
        self.events, self.key = events, key
        self._last = None
        self._writing: asyncio.Task | None = None

    def touch(self) -> None:
        now = timezone.now()
        if self._last is not None and now - self._last < ACTIVITY_WRITE_INTERVAL:
            return
        if self._writing is not None and not self._writing.done():
            return
        self._last = now
        self._writing = asyncio.create_task(self._write())
        if self.events is not None and self.key is not None:
            self.events.publish("activity", self.key, user_id=self.user.pk)

    async def _write(self) -> None:
        try:
            await record_activity(self.user)
        except Exception:  # a busy database must not break the terminal
            log.exception("could not record activity of %s", self.user)


@dataclasses.dataclass
class ReapReport:
    stopped: list[str] = dataclasses.field(default_factory=list)
    removed: list[str] = dataclasses.field(default_factory=list)


@database_sync_to_async
def _sandbox_rows() -> dict[str, Sandbox]:
    return {row.key: row for row in Sandbox.objects.all()}


@database_sync_to_async
def _set_status(key: str, status: str) -> None:
    Sandbox.objects.filter(key=key).update(status=status)


async def reap_idle_sandboxes(events=None, now=None) -> ReapReport:
    """Stop sandboxes idle past SANDBOX_IDLE_STOP_SECONDS, remove those idle past
    SANDBOX_IDLE_REMOVE_SECONDS. A sandbox the database does not know is left alone."""
    now = now or timezone.now()
    backend = get_backend()
    rows = await _sandbox_rows()
    report = ReapReport()
    for info in await backend.list():
        row = rows.get(info.key)
        if row is None:
            continue
        idle = row.idle_for(now)
        if idle >= settings.SANDBOX_IDLE_REMOVE_SECONDS:
            log.info("removing sandbox %s, idle for %.0f s", info.key, idle)
            await backend.remove(info.key)
            await _set_status(info.key, MISSING)
            report.removed.append(info.key)
            if events is not None:
                events.publish("sandbox.removed", info.key, user_id=row.user_id, reason="idle")
        elif info.status == RUNNING and idle >= settings.SANDBOX_IDLE_STOP_SECONDS:
            log.info("stopping sandbox %s, idle for %.0f s", info.key, idle)
            await backend.stop(info.key)
            await _set_status(info.key, STOPPED)
            report.stopped.append(info.key)
            if events is not None:
                events.publish("sandbox.stopped", info.key, user_id=row.user_id, reason="idle")
    return report
