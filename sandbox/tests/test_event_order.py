"""Each listener gets a sandbox's events in the order they happened, however
long it takes over each one (a dashboard must never show "starting" after
"running"), and one listener's slowness or failure does not hold up another."""

import asyncio

from sandbox import events
from sandbox.events import EventBus


async def test_a_slow_listener_still_gets_events_in_order(monkeypatch):
    seen, quick = [], []

    def slow(runtime):
        async def listener(event):
            # The first event takes longest, as a database call might.
            await asyncio.sleep({"sandbox.starting": 0.05, "sandbox.started": 0.0}.get(event.kind, 0.01))
            seen.append(event.kind)
            if event.kind == "sandbox.started":
                raise RuntimeError("a listener's fault")  # logged; the next event still comes

        return listener

    def fast(runtime):
        async def listener(event):
            quick.append(event.kind)

        return listener

    monkeypatch.setattr(events, "_factories", [slow, fast])
    bus = EventBus(runtime=None)
    bus.publish("sandbox.starting", "u1")
    bus.publish("sandbox.started", "u1")
    bus.publish("sandbox.stopped", "u1")
    await asyncio.sleep(0.01)
    assert quick == ["sandbox.starting", "sandbox.started", "sandbox.stopped"]  # not held up by `slow`
    await bus.drain()
    assert seen == ["sandbox.starting", "sandbox.started", "sandbox.stopped"]
