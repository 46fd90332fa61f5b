"""Sandboxes started ahead of time (SANDBOX_POOL_SIZE), claimed by renaming.

A pool sandbox runs under a pool key; a student who has no sandbox yet takes
one by renaming its two containers to the student's names (an atomic engine
call: two processes cannot claim the same one). Its volumes and network keep
their pool names, which `remove` finds from the containers' mounts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from docker.errors import APIError

from sandbox.backends.base import RUNNING, ClassroomFull
from sandbox.backends.docker import specs
from sandbox.backends.docker.containers import joined, running, running_engine_names

if TYPE_CHECKING:
    from sandbox.backends.docker.backend import DockerBackend

log = logging.getLogger(__name__)


class SandboxPool:
    def __init__(self, backend: DockerBackend):
        self._backend = backend
        self._lock = asyncio.Lock()

    async def fill(self) -> int:
        """Start sandboxes until SANDBOX_POOL_SIZE wait unclaimed; returns how many wait."""
        if settings.SANDBOX_POOL_SIZE <= 0:
            return 0
        backend = self._backend
        async with self._lock:
            waiting = [info for info in await backend.list() if specs.is_pool_key(info.key)]
            for info in waiting:
                if info.status != RUNNING:
                    await backend.remove(info.key)
            ready = [info.key for info in waiting if info.status == RUNNING]
            while len(ready) < settings.SANDBOX_POOL_SIZE:
                key = specs.new_pool_key()
                try:
                    await backend.start(key)
                except ClassroomFull:
                    break
                # Warm: the claiming student finds its engine answering.
                await backend.wait_engine_ready(key, 60)
                ready.append(key)
            return len(ready)

    def claim(self, names: specs.Names):
        """Rename a waiting pool sandbox to these names (blocking); (engine, workspace) or None."""
        engine_api = self._backend.engine
        # Only pool engines are read (inspecting all was 50 calls a claim in a class).
        for name in sorted(running_engine_names(engine_api.api)):
            pool_key = specs.key_from_name(name, "engine")
            if pool_key is None or not specs.is_pool_key(pool_key):
                continue
            engine = engine_api.get(name)
            workspace = engine_api.get(specs.Names(pool_key).workspace)
            if not (running(engine) and running(workspace) and joined(workspace, engine)):
                continue
            try:
                engine.rename(names.engine)
            except APIError:
                continue  # claimed meanwhile by another process
            workspace.rename(names.workspace)
            engine.reload()
            workspace.reload()
            seen = self._backend.engines_seen_ready.pop(pool_key, None)
            if seen is not None:
                self._backend.engines_seen_ready[names.key] = seen
            log.info("sandbox %s claimed pool sandbox %s", names.key, pool_key)
            return engine, workspace
        return None

    async def refill(self):
        try:
            await self.fill()
        except Exception:  # the pool is an optimisation: a failed refill must not hurt anyone
            log.exception("refilling the sandbox pool failed")
