"""What happens to sandboxes, for whoever reacts to it: the one seam.

The sandbox side publishes a SandboxEvent for each thing that happens and knows
nothing of who listens. Two ways to listen:

- in this process: an app registers a listener factory with `listen()` (from
  its AppConfig.ready()); every SandboxRuntime makes one listener from each
  and calls it with every event published in this process. The process that
  holds a student's shell sees its prompts here (lesson checks listen so).
- anywhere: every event also goes to the channel-layer group EVENTS_GROUP as
  {"type": "sandbox.event", "event": {...}} (dashboards, other processes).

And one way back: `notify_terminals(key, payload)` puts a JSON message in every
terminal page of that sandbox (lesson check results travel so).

Kinds and their data (most also carry "user_id", the sandbox's owner):
    sandbox.starting  {}                              the backend began starting it (not when found running)
    sandbox.started   {}                              the sandbox runs (started or found running)
    sandbox.failed    {"reason": "full" | "error"}    it could not be started for a page
    sandbox.stopped   {"reason", "by"?}               stopped: "idle", "request" (by a user), "restart"
    sandbox.removed   {"reason", "by"?}               removed with its files: "idle" or "request"
    shell.prompt      {"status": int | None}          a command finished, with its exit status
    ports.changed     {"ports": [{"port", "container", "target"}]}
    terminal.opened   {"terminal", "user_id", "read_only", "context"}  a page attached
    terminal.closed   {"terminal", "user_id", "read_only"}
    activity          {"user_id"}                     the student typed (at most every 30 s)
Publishing never waits for a listener: a shell's reader must not block.
A listener that holds tasks of its own may have an `async close()`; the runtime
calls it when it closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

EVENTS_GROUP = "sandbox-events"
KINDS = {
    "sandbox.starting",
    "sandbox.started",
    "sandbox.failed",
    "sandbox.stopped",
    "sandbox.removed",
    "shell.prompt",
    "ports.changed",
    "terminal.opened",
    "terminal.closed",
    "activity",
}


@dataclasses.dataclass(frozen=True)
class SandboxEvent:
    kind: str
    key: str
    data: dict = dataclasses.field(default_factory=dict)
    at: float = dataclasses.field(default_factory=time.time)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown sandbox event {self.kind!r}")

    def as_message(self) -> dict:
        return {"kind": self.kind, "key": self.key, "data": self.data, "at": self.at}


Listener = Callable[[SandboxEvent], Awaitable[None]]
ListenerFactory = Callable[["object"], Listener]  # given the runtime
_factories: list[ListenerFactory] = []


def listen(factory: ListenerFactory) -> None:
    """Register, once per process (AppConfig.ready), a factory of in-process listeners."""
    if factory not in _factories:
        _factories.append(factory)


def terminal_group(key: str) -> str:
    return f"terminal.{key}"


class EventBus:
    """One per runtime: the listeners its factories made, and the channel layer."""

    def __init__(self, runtime):
        self.listeners: list[Listener] = [factory(runtime) for factory in _factories]
        self._tasks: set[asyncio.Task] = set()
        # Each listener (and the channel layer) gets events in the order they were
        # published: a delivery waits for the one before it. Run side by side, a
        # sandbox's "starting" could reach a dashboard after its "running".
        self._last: dict[int, asyncio.Task] = {}

    def publish(self, kind: str, key: str, **data) -> SandboxEvent:
        event = SandboxEvent(kind, key, data)
        for lane, target in enumerate([*self.listeners, self._broadcast]):
            self._last[lane] = self._spawn(self._deliver(target, event, self._last.get(lane)))
        return event

    async def _deliver(self, listener: Listener, event: SandboxEvent, after: asyncio.Task | None) -> None:
        if after is not None and not after.done():
            await asyncio.wait([after])
        try:
            await listener(event)
        except Exception:  # one listener's fault must not stop the others, nor the shell
            log.exception("listener %r failed on %s", listener, event.kind)

    async def _broadcast(self, event: SandboxEvent) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            await layer.group_send(EVENTS_GROUP, {"type": "sandbox.event", "event": event.as_message()})
        except Exception:
            log.exception("could not send %s to the channel layer", event.kind)

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for what was published so far to be delivered (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Deliver what is pending, then let listeners with tasks of their own end them."""
        await self.drain()
        for listener in self.listeners:
            close = getattr(listener, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.exception("listener %r failed to close", listener)


async def notify_terminals(key: str, payload: dict) -> None:
    """Put `payload` (a JSON object with a "type") in every terminal page of `key`."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(terminal_group(key), {"type": "terminal.notify", "payload": payload})
