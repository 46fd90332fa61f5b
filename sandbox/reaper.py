"""The in-process idle reaper (and pool filler): one periodic task per server process.

It starts with the first terminal connection (any ASGI server, no lifespan
support needed). `manage.py reap_sandboxes` does the same once, for cron.
"""
import asyncio
import logging

from django.conf import settings

from sandbox.backends import get_backend
from sandbox.services import reap_idle_sandboxes

log = logging.getLogger(__name__)
_task: asyncio.Task | None = None


async def _reap_forever():
    while True:
        try:
            await get_backend().fill_pool()
        except Exception:  # the pool is an optimisation; keep going
            log.exception("filling the sandbox pool failed")
        await asyncio.sleep(settings.SANDBOX_REAP_INTERVAL_SECONDS)
        try:
            await reap_idle_sandboxes()
        except Exception:  # keep reaping after a passing engine or database error
            log.exception("idle reaper pass failed")


def ensure_reaper_running() -> None:
    global _task
    if settings.SANDBOX_REAP_INTERVAL_SECONDS <= 0:
        return
    loop = asyncio.get_running_loop()
    if _task is None or _task.done() or _task.get_loop() is not loop:
        _task = loop.create_task(_reap_forever(), name="dockyard-idle-reaper")
