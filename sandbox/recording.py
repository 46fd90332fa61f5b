"""The hook for recording shells: the sandbox reads each shell's output once
(sandbox.shells) and hands every read to a recorder, if an app keeps recordings.

Whether and where a shell is recorded is not the sandbox's to decide: an app
above it registers a factory with `record_with()` from its AppConfig.ready();
each SandboxRuntime makes one `Recording` from it, and every shell it opens asks
it for a `ShellRecorder`. The recorder sits on the shell's read path, so
`output()` may only take note (append, no I/O, no parsing): writing happens
off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ShellRecorder(Protocol):
    def output(self, data: bytes) -> None:
        """Every read of the shell, on the event loop: must take note and return."""

    def resize(self, cols: int, rows: int) -> None: ...

    def close(self) -> None:
        """The shell ended."""


class Recording(Protocol):
    async def start(self, key: str, cols: int, rows: int, screen: Callable[[], bytes]) -> ShellRecorder | None:
        """A recorder for the shell of sandbox `key` just opened (None: not recorded).
        `screen()` is what the shell shows now (its replay), for a recording begun later."""

    async def close(self) -> None:
        """The runtime closes: write what is pending."""


RecordingFactory = Callable[[object], Recording]  # given the runtime
_factory: RecordingFactory | None = None


def record_with(factory: RecordingFactory | None) -> None:
    """Set (AppConfig.ready) the factory of each runtime's Recording; None: nothing is recorded."""
    global _factory
    _factory = factory


def make_recording(runtime) -> Recording | None:
    return _factory(runtime) if _factory is not None else None
