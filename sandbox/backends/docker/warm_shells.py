"""Shells of pool sandboxes, attached when the pool fills and handed over with them.

Round nine (bench/README.md) found a claimed start's tail in the shell's
attach: the engine answers the `dockyard-shell attach` exec at once, but
the process it starts runs only when a saturated host gets to it, behind
the class's first commands. A pool sandbox's attach is made when the pool
fills, on a quiet host; the claim moves it to the student's key, and the
student's first terminal takes it instead of making its own. Only in the
process that filled the pool: a claim in another process attaches as before.

Until taken, a task reads what the shell prints (its first prompt) into a
small buffer. The holder paces its shell by its slowest client, so an
attachment nobody read would stall the shell of a student who claimed the
sandbox in another process; more output than a fresh shell prints means
someone uses that shell elsewhere, and the attachment is let go.
"""

from __future__ import annotations

import asyncio
import logging

from sandbox.backends.docker.terminal import HeldShell

log = logging.getLogger(__name__)

# Far more than a fresh login shell prints before anyone types (its prompt).
FRESH_OUTPUT_LIMIT = 16 * 1024
READ_CHUNK = 4096


class WarmShell:
    """One attachment waiting for its student, its output kept until then."""

    def __init__(self, shell: HeldShell, workspace_id: str, cols: int, rows: int, language: str):
        self.shell = shell
        self.workspace_id = workspace_id
        self.size = (cols, rows)
        self.language = language  # what the attach wrote for the engine's guard
        self._printed = bytearray()
        self._loop = asyncio.get_running_loop()
        self._reader = self._loop.create_task(self._keep_reading())

    @property
    def of_use(self) -> bool:
        return not self._reader.done()

    async def _keep_reading(self) -> None:
        """Until taken; ends (detached) when the shell ended or printed more than a fresh one does."""
        try:
            while len(self._printed) <= FRESH_OUTPUT_LIMIT:
                data = await self.shell.read(READ_CHUNK)
                if not data:
                    break
                self._printed += data
        except Exception:  # never left unread: the holder would wait for this client
            log.exception("reading a shell attached ahead failed")
        await self.shell.close()

    async def take(self) -> HeldShell | None:
        """The attachment with its unread output first, or None if it is no longer of use."""
        if self._loop is not asyncio.get_running_loop() or not self.of_use:
            await self.close()
            return None
        await self._stop_reading()
        if not self._reader.cancelled():  # it ended, detached, just before
            return None
        self.shell.unread(bytes(self._printed))
        return self.shell

    async def close(self) -> None:
        """Let the attachment go (the shell lives on in its sandbox)."""
        if self._loop is asyncio.get_running_loop():
            await self._stop_reading()
        # Else its loop is gone (a test's asyncio.run): only the socket is left.
        await self.shell.close()

    async def _stop_reading(self) -> None:
        # asyncio.wait, not `await`: the reader's cancellation is not ours to raise.
        self._reader.cancel()
        await asyncio.wait([self._reader])


class WarmShells:
    """The waiting attachments of this process, by sandbox key."""

    def __init__(self):
        self._by_key: dict[str, WarmShell] = {}

    def keep(self, key: str, warm: WarmShell) -> None:
        self._by_key[key] = warm

    def has(self, key: str) -> bool:
        return key in self._by_key

    def move(self, old_key: str, new_key: str) -> None:
        """A claim renamed the sandbox (called from the claim's thread: dict steps only)."""
        warm = self._by_key.pop(old_key, None)
        if warm is not None:
            self._by_key[new_key] = warm

    async def take(self, key: str) -> WarmShell | None:
        """The key's attachment, still of use, with its shell ready to read; None otherwise."""
        warm = self._by_key.pop(key, None)
        if warm is None:
            return None
        shell = await warm.take()
        if shell is None:
            log.info("the waiting shell of %s was no longer of use", key)
            return None
        return warm

    async def discard(self, key: str) -> None:
        warm = self._by_key.pop(key, None)
        if warm is not None:
            await warm.close()

    async def sweep(self) -> None:
        """Let go of attachments whose shell ended or is used by another process."""
        for key, warm in list(self._by_key.items()):
            if not warm.of_use and self._by_key.get(key) is warm:
                del self._by_key[key]
                await warm.close()
