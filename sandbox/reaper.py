"""The in-process idle reaper (and pool filler): one periodic task per server process,
part of its SandboxRuntime.

It starts with the first request (tutorial.asgi; any ASGI server, no lifespan
support needed). `manage.py reap_sandboxes` does the same once, for cron.
"""

import asyncio
import logging

from django.conf import settings

from sandbox.services import reap_idle_sandboxes

log = logging.getLogger(__name__)


class Reaper:
    def __init__(self, runtime):
        self.runtime = runtime
        self._task: asyncio.Task | None = None

    def ensure_running(self) -> None:
        if settings.SANDBOX_REAP_INTERVAL_SECONDS <= 0:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._forever(), name="dockyard-idle-reaper")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _forever(self):
        while True:
            try:
                await self.runtime.backend.fill_pool()
            except Exception:  # the pool is an optimisation; keep going
                log.exception("filling the sandbox pool failed")
            await asyncio.sleep(settings.SANDBOX_REAP_INTERVAL_SECONDS)
            try:
                await reap_idle_sandboxes(self.runtime.events)
            except Exception:  # keep reaping after a passing engine or database error
                log.exception("idle reaper pass failed")
