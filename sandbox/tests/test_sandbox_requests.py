"""Stopping, restarting and removing a sandbox on someone's request: its pages
are told first and by whom (so a page does not start it again behind them), and
events say what happened. The attach rule decides who watches whom."""

import pytest

from sandbox import services
from sandbox.tests.test_terminal_consumer import open_terminal, until_status

pytestmark = pytest.mark.django_db(transaction=True)


def kinds(runtime):
    seen = []

    async def listener(event):
        seen.append((event.kind, dict(event.data)))

    runtime.events.listeners.append(listener)
    return seen


async def test_a_stop_by_someone_tells_the_page_who_and_ends_the_shell(fake_backend, alice, sandbox_runtime):
    seen = kinds(sandbox_runtime)
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    await services.stop_sandbox(f"u{alice.pk}", sandbox_runtime.events, by="Ina")
    assert (await until_status(student, "stopping"))["by"] == "Ina"
    await sandbox_runtime.events.drain()
    assert ("sandbox.stopped", {"user_id": alice.pk, "reason": "request", "by": "Ina"}) in seen
    assert fake_backend.status[f"u{alice.pk}"] == "stopped"
    await student.disconnect()


async def test_restart_and_remove(fake_backend, alice, sandbox_runtime):
    seen = kinds(sandbox_runtime)
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    await services.restart_sandbox(alice, sandbox_runtime.events, by="Ina")
    assert (await until_status(student, "restarting"))["by"] == "Ina"
    assert fake_backend.status[f"u{alice.pk}"] == "running"
    await services.remove_sandbox(f"u{alice.pk}", sandbox_runtime.events, by="Ina")
    await until_status(student, "removing")
    await sandbox_runtime.events.drain()
    assert [kind for kind, _ in seen if kind.startswith("sandbox.")][-4:] == [
        "sandbox.stopped",
        "sandbox.starting",
        "sandbox.started",
        "sandbox.removed",
    ]
    assert f"u{alice.pk}" not in fake_backend.status
    await student.disconnect()


async def test_a_start_is_announced_and_a_full_classroom_too(fake_backend, alice, sandbox_runtime):
    from sandbox.backends.base import ClassroomFull

    seen = kinds(sandbox_runtime)
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    await student.disconnect()
    await sandbox_runtime.events.drain()
    assert [kind for kind, _ in seen][:2] == ["sandbox.starting", "sandbox.started"]
    seen.clear()
    fake_backend.status.clear()
    fake_backend.fail_start = ClassroomFull("full")
    student, _, _ = await open_terminal(alice)
    await until_status(student, "full")
    await sandbox_runtime.events.drain()
    assert ("sandbox.failed", {"user_id": alice.pk, "reason": "full"}) in seen


def test_the_attach_rule_is_asked_for_others_only(alice, bob):
    asked = []
    services.set_attach_rule(lambda viewer, owner: asked.append((viewer, owner)) or services.NO_ACCESS)
    try:
        assert services.access(alice, alice) == services.Access(watch=True, take_over=True)
        assert services.access(bob, alice) == services.NO_ACCESS
        assert asked == [(bob, alice)]
    finally:
        services.set_attach_rule(None)
    assert services.owner_id("u42") == 42 and services.owner_id("pool-3") is None
