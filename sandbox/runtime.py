"""Everything one server process holds for its sandboxes, in one object.

A SandboxRuntime owns the shells this process keeps open (sandbox.shells), their
recording (sandbox.recording, when an app keeps recordings), the
port watchers (sandbox.preview), the web preview's HTTP client, the idle reaper
and pool filler (sandbox.reaper) and the event bus (sandbox.events). The ASGI
application hands it to each terminal consumer (`TerminalConsumer.as_asgi(
runtime=...)`, as terminado hands its TermManager to each handler); views reach
it with `current()`. Tests make a fresh one per test (each has its own event
loop) instead of the process's.
"""

from __future__ import annotations

import asyncio

from django.apps import apps

from sandbox.backends import get_backend
from sandbox.events import EventBus
from sandbox.recording import make_recording


class SandboxRuntime:
    def __init__(self):
        from sandbox.preview import PortWatchers, PreviewClient
        from sandbox.reaper import Reaper
        from sandbox.shells import ShellSessions

        self.events = EventBus(self)
        self.recording = make_recording(self)  # sandbox.recording: None unless an app keeps recordings
        self.shells = ShellSessions(self)
        self.port_watchers = PortWatchers(self)
        self.preview = PreviewClient()
        self.reaper = Reaper(self)

    @property
    def backend(self):
        return get_backend()

    def start_background_work(self) -> None:
        """From a running event loop (the first request, tutorial.asgi): the reaper."""
        self.reaper.ensure_running()

    async def close(self, hang_up_shells: bool = False) -> None:
        """Detach from every shell (each sandbox keeps its own; tests may end
        them), stop background work, close the HTTP client."""
        self.reaper.stop()
        self.port_watchers.stop_all()
        await self.shells.close_all(hang_up=hang_up_shells)
        if self.recording is not None:
            await self.recording.close()
        await self.preview.close()
        await self.events.close()
        await asyncio.sleep(0)


def current() -> SandboxRuntime:
    """This process's runtime (made when the sandbox app is ready)."""
    return apps.get_app_config("sandbox").runtime


def replace(runtime: SandboxRuntime) -> SandboxRuntime:
    """Make `runtime` the process's (tests); returns the one it replaces."""
    config = apps.get_app_config("sandbox")
    previous, config.runtime = config.runtime, runtime
    return previous
