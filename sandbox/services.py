"""What happens to sandboxes: starting, stopping, activity, watching rights, reaping.

Consumers, views and commands call these; only the backend talks to Docker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from sandbox.backends import get_backend
from sandbox.backends.base import MISSING, RUNNING, STOPPED, ProgressCallback, SandboxError, SandboxInfo
from sandbox.events import notify_terminals
from sandbox.models import Sandbox
from tutorial.metrics import ERRORS, SANDBOX_STARTS
from tutorial.permissions import is_instructor

log = logging.getLogger(__name__)

# Activity is written at most this often per terminal, to keep the database quiet.
ACTIVITY_WRITE_INTERVAL = timedelta(seconds=30)


def sandbox_key(user) -> str:
    return key_for_user_id(user.pk)


def key_for_user_id(user_id: int) -> str:
    return f"u{user_id}"


def owner_id(key: str) -> int | None:
    """The id of the user a sandbox key belongs to (None for pool sandboxes and others)."""
    return int(key[1:]) if key.startswith("u") and key[1:].isdigit() else None


@dataclasses.dataclass(frozen=True)
class Access:
    """What one user may do with another's terminal."""

    watch: bool = False  # see it, read-only
    take_over: bool = False  # type into it too, on request, with a banner on the owner's pages

    @property
    def allowed(self) -> bool:
        return self.watch


NO_ACCESS = Access()
AttachRule = Callable[[object, object], Access]  # (viewer, owner) -> Access; may query the database


def instructors_watch(viewer, owner) -> Access:
    """Without a rule of another app: instructors (and superusers) watch anyone, read-only."""
    return Access(watch=is_instructor(viewer))


_attach_rule: AttachRule = instructors_watch


def set_attach_rule(rule: AttachRule | None) -> None:
    """Who may watch whom is decided above the sandbox (a class, a course …): an app
    sets the rule from its AppConfig.ready(); None puts the default back."""
    global _attach_rule
    _attach_rule = rule or instructors_watch


def access(viewer, owner) -> Access:
    """What `viewer` may do with `owner`'s terminal. Their own: everything; another's:
    what the attach rule says. Sync (the rule may query the database)."""
    if not viewer.is_authenticated or not viewer.is_active or owner is None or not owner.is_active:
        return NO_ACCESS
    if viewer.pk == owner.pk:
        return Access(watch=True, take_over=True)
    return _attach_rule(viewer, owner)


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
    """Start (or find running) the user's sandbox. A real start is announced as
    "sandbox.starting" once the backend reports its first step."""
    key = sandbox_key(user)
    announced = False

    async def report(step: str) -> None:
        nonlocal announced
        if events is not None and not announced:
            announced = True
            events.publish("sandbox.starting", key, user_id=user.pk)
        if progress is not None:
            await progress(step)

    started = time.monotonic()
    try:
        info = await get_backend().start(key, report)
    except SandboxError as error:
        SANDBOX_STARTS.labels(error.code).observe(time.monotonic() - started)
        ERRORS.labels(error.code).inc()
        raise
    SANDBOX_STARTS.labels("ok").observe(time.monotonic() - started)
    await _save_sandbox(user, info, touch=True)
    if events is not None:
        events.publish("sandbox.started", info.key, user_id=user.pk)
    return info


# -- stopping, restarting and removing on someone's request --------------------
# The student's pages are told first (a status message naming who did it), so
# that a page does not start the sandbox again behind the one who stopped it.


async def stop_sandbox(key: str, events=None, by: str = "") -> None:
    """Stop a sandbox, keeping its files (the student starts it again from their page)."""
    await notify_terminals(key, {"type": "status", "state": "stopping", "by": by})
    await get_backend().stop(key)
    await _set_status(key, STOPPED)
    if events is not None:
        events.publish("sandbox.stopped", key, user_id=owner_id(key), reason="request", by=by)


async def restart_sandbox(user, events=None, by: str = "") -> SandboxInfo:
    """Stop and start again: every program in it ends, its files stay."""
    key = sandbox_key(user)
    await notify_terminals(key, {"type": "status", "state": "restarting", "by": by})
    await get_backend().stop(key)
    if events is not None:
        events.publish("sandbox.stopped", key, user_id=user.pk, reason="restart", by=by)
    return await start_sandbox(user, events=events)


async def remove_sandbox(key: str, events=None, by: str = "") -> None:
    """Remove a sandbox and everything in it; the student's page starts a fresh one."""
    await notify_terminals(key, {"type": "status", "state": "removing", "by": by})
    await get_backend().remove(key)
    await _set_status(key, MISSING)
    if events is not None:
        events.publish("sandbox.removed", key, user_id=owner_id(key), reason="request", by=by)


async def running_keys() -> set[str]:
    """The keys of every running sandbox, as the engine says now."""
    return {info.key for info in await get_backend().list() if info.status == RUNNING}


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
