import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.models import Sandbox
from sandbox.services import reap_idle_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


def make_sandbox(user, backend, idle_minutes):
    key = f"u{user.pk}"
    backend.status[key] = "running"
    last = timezone.now() - timedelta(minutes=idle_minutes)
    return Sandbox.objects.create(user=user, key=key, status="running", last_activity=last)


def test_it_stops_only_sandboxes_idle_past_the_limit(fake_backend, settings, alice, bob):
    settings.SANDBOX_IDLE_STOP_SECONDS = 30 * 60
    make_sandbox(alice, fake_backend, idle_minutes=31)
    make_sandbox(bob, fake_backend, idle_minutes=5)
    report = asyncio.run(reap_idle_sandboxes())
    assert report.stopped == [f"u{alice.pk}"]
    assert fake_backend.status == {f"u{alice.pk}": "stopped", f"u{bob.pk}": "running"}


def test_it_removes_sandboxes_idle_past_the_longer_limit(fake_backend, settings, alice):
    settings.SANDBOX_IDLE_REMOVE_SECONDS = 24 * 3600
    make_sandbox(alice, fake_backend, idle_minutes=25 * 60)
    report = asyncio.run(reap_idle_sandboxes())
    assert report.removed == [f"u{alice.pk}"]
    assert fake_backend.status == {}
    assert Sandbox.objects.get(user=alice).status == "missing"


def test_it_leaves_sandboxes_the_database_does_not_know(fake_backend):
    fake_backend.status["stranger"] = "running"
    assert asyncio.run(reap_idle_sandboxes()).stopped == []
    assert fake_backend.status == {"stranger": "running"}


async def test_the_server_reaps_periodically_once_a_terminal_connects(
    fake_backend, settings, alice, bob, sandbox_runtime
):
    from channels.db import database_sync_to_async

    from sandbox.tests.test_terminal_consumer import open_terminal, until_status

    settings.SANDBOX_IDLE_STOP_SECONDS = 60
    settings.SANDBOX_REAP_INTERVAL_SECONDS = 1
    await database_sync_to_async(make_sandbox)(bob, fake_backend, idle_minutes=5)
    terminal, _, _ = await open_terminal(alice)
    await until_status(terminal, "ready")
    for _ in range(50):
        if fake_backend.status[f"u{bob.pk}"] == "stopped":
            break
        await asyncio.sleep(0.1)
    assert fake_backend.status == {f"u{alice.pk}": "running", f"u{bob.pk}": "stopped"}
    await terminal.disconnect()
    sandbox_runtime.reaper.stop()


async def test_a_restarted_server_fills_its_pool_on_its_first_page_request(fake_backend, settings, sandbox_runtime):
    """Not only once a terminal connects: the class should find the pool full."""
    from channels.testing import HttpCommunicator

    from tutorial.testing import HOST, asgi_application

    settings.SANDBOX_REAP_INTERVAL_SECONDS = 60
    fills = asyncio.Event()

    async def fill_pool():
        fills.set()
        return 0

    fake_backend.fill_pool = fill_pool
    response = await HttpCommunicator(asgi_application(), "GET", "/accounts/login/", headers=[HOST]).get_response()
    assert response["status"] == 200
    await asyncio.wait_for(fills.wait(), 5)
    sandbox_runtime.reaper.stop()
