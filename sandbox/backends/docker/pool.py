"""Sandboxes started ahead of time (SANDBOX_POOL_SIZE), claimed by renaming.

A pool sandbox runs under a pool key; a student who has no sandbox yet takes
one by renaming its two containers to the student's names (`claim`: two
claims, in any process, never get the same one). Its volumes and network keep
their pool names, which `remove` finds from the containers' mounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from typing import TYPE_CHECKING

from django.conf import settings
from docker.errors import APIError

from sandbox.backends.base import RUNNING, ClassroomFull
from sandbox.backends.docker import specs
from sandbox.backends.docker.containers import sandbox_summaries, summary_joined, summary_running

if TYPE_CHECKING:
    from sandbox.backends.docker.backend import DockerBackend

log = logging.getLogger(__name__)

REFILL_AFTER = 5.0  # seconds without a claim before the pool refills
CLAIMING = "claiming-"  # the key of a pool sandbox while one claim holds it
# Seconds: far more than a claim's three renames take, even on a host at a
# load average of 180 (engine calls then took seconds).
CLAIM_SETTLES = 30.0


class ClaimFailed(Exception):
    """The student's names were taken meanwhile (a start in another process),
    or the sandbox went away (a fill removed it as abandoned)."""


class SandboxPool:
    def __init__(self, backend: DockerBackend):
        self._backend = backend
        self._lock = asyncio.Lock()
        self._claims_lock = threading.Lock()
        self._claiming: set[str] = set()  # pool keys a claim of this process is trying
        self._refill_task: asyncio.Task | None = None
        self._refill_wanted_at = 0.0
        self._not_attachable: set[str] = set()  # pool keys whose shell could not be attached ahead

    async def fill(self) -> int:
        """Start sandboxes until SANDBOX_POOL_SIZE wait unclaimed; returns how many wait."""
        if settings.SANDBOX_POOL_SIZE <= 0:
            return 0
        backend = self._backend
        async with self._lock:
            waiting = await self._waiting()
            ready = [info.key for info in waiting if info.status == RUNNING]
            broken = {info.key for info in waiting if info.status != RUNNING}
            if broken:
                # A claim between its renames (in any process) leaves a pool
                # key with one container for a moment: remove only what stays so.
                await asyncio.sleep(CLAIM_SETTLES)
                broken &= {info.key for info in await self._waiting() if info.status != RUNNING}
            for key in sorted(broken):
                await backend.remove(key)
            await backend.warm_shells.sweep()
            self._not_attachable &= set(ready)  # those claimed or removed since are forgotten
            for key in ready:  # filled before this process started, or by another one
                await self._attach_ahead(key)
            while len(ready) < settings.SANDBOX_POOL_SIZE:
                key = specs.new_pool_key()
                try:
                    await backend.start(key)
                except ClassroomFull:
                    break
                # Warm: the claiming student finds its engine answering and its shell attached.
                await backend.wait_engine_ready(key, 60)
                await self._attach_ahead(key)
                ready.append(key)
            return len(ready)

    async def _attach_ahead(self, key: str) -> None:
        """The pool sandbox's shell attached by this process (warm_shells), once."""
        if self._backend.warm_shells.has(key) or key in self._not_attachable:
            return
        try:
            await self._backend.attach_ahead(key)
        except Exception as exc:  # the student's own attach still works
            log.info("could not attach the shell of pool sandbox %s ahead: %s", key, exc)
            self._not_attachable.add(key)

    async def _waiting(self):
        """Pool sandboxes, and engines a claim holds (`claiming-<pool key>`): one
        still there after CLAIM_SETTLES is left by a claim that died halfway."""
        return [
            info
            for info in await self._backend.list()
            if specs.is_pool_key(info.key) or info.key.startswith(CLAIMING + specs.POOL_KEY_PREFIX)
        ]

    def claim(self, names: specs.Names):
        """Rename a waiting pool sandbox to these names (blocking); (engine, workspace) or None.

        Claims run side by side: each tries the waiting sandboxes in a random
        order, skipping those another claim of this process is trying. Between
        processes the engine decides: the first step renames the engine, found
        by its pool name, to a name of that sandbox's own (`claiming-<pool
        key>`); once one claim has done so the pool name is gone, and a claim
        that found the container just before is refused the same name again.
        (Renames by id, as before, let a second claim rename a claimed engine.)
        """
        api = self._backend.engine.api
        waiting = [
            key
            for key, roles in sandbox_summaries(api, running_only=True).items()
            if specs.is_pool_key(key)
            and summary_running(roles.get("engine"))
            and summary_joined(roles.get("workspace"), roles.get("engine"))
        ]
        random.shuffle(waiting)
        # Those whose shell this process attached first: the student's terminal then needs no attach.
        waiting.sort(key=lambda key: not self._backend.warm_shells.has(key))
        for pool_key in waiting:
            with self._claims_lock:
                if pool_key in self._claiming:
                    continue
                self._claiming.add(pool_key)
            try:
                if self._rename(specs.Names(pool_key), names):
                    break
            except ClaimFailed:
                return None
            finally:
                with self._claims_lock:
                    self._claiming.discard(pool_key)
        else:
            return None
        engine, workspace = self._backend.engine.get(names.engine), self._backend.engine.get(names.workspace)
        seen = self._backend.engines_seen_ready.pop(pool_key, None)
        if seen is not None:
            self._backend.engines_seen_ready[names.key] = seen
        self._backend.warm_shells.move(pool_key, names.key)
        log.info("sandbox %s claimed pool sandbox %s", names.key, pool_key)
        return engine, workspace

    def _rename(self, pool: specs.Names, names: specs.Names) -> bool:
        """The pool sandbox's containers to these names; False if another claim has it."""
        api = self._backend.engine.api
        holding = specs.Names(CLAIMING + pool.key).engine
        try:
            api.rename(pool.engine, holding)
        except APIError:
            return False  # another claim has it, or it is gone
        try:
            api.rename(holding, names.engine)
        except APIError:
            with contextlib.suppress(APIError):
                api.rename(holding, pool.engine)  # give it back, if it is still there
            raise ClaimFailed(names.key) from None
        api.rename(pool.workspace, names.workspace)
        return True

    def refill_soon(self) -> None:
        """After a claim: one refill at a time, however many claims ask, started
        once claims have paused for REFILL_AFTER seconds (a class arriving gets
        the host first)."""
        self._refill_wanted_at = time.monotonic()
        if self._refill_task is None or self._refill_task.done():
            self._refill_task = asyncio.get_running_loop().create_task(self._refill())

    async def _refill(self):
        try:
            while True:
                quiet_for = time.monotonic() - self._refill_wanted_at
                if quiet_for < REFILL_AFTER:
                    await asyncio.sleep(REFILL_AFTER - quiet_for)
                    continue
                asked_at = self._refill_wanted_at
                await self.fill()
                if self._refill_wanted_at == asked_at:
                    return  # no claim during the fill
        except Exception:  # the pool is an optimisation: a failed refill must not hurt anyone
            log.exception("refilling the sandbox pool failed")
