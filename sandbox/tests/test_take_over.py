"""Taking over a shell's typing (fake backend): only a watcher the attach rule lets
type, only after asking; everyone on the shell is told who types; the owner's keys
still work; either side ends it, and leaving ends it."""

import asyncio
import json

import pytest

from sandbox import services
from sandbox.tests.test_terminal_consumer import next_of_type, open_terminal, read_bytes, until_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def helpers_may_type(teacher):
    """An attach rule as an app above would set it: the teacher watches and may take over."""
    services.set_attach_rule(lambda viewer, owner: services.Access(watch=True, take_over=viewer.pk == teacher.pk))
    yield
    services.set_attach_rule(None)


async def test_a_watcher_types_only_after_taking_over_and_the_owner_sees_who(
    fake_backend, alice, teacher, helpers_may_type
):
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    ready = await until_status(watcher, "ready")
    assert ready["read_only"] is True and ready["may_take_over"] is True
    await watcher.send_to(bytes_data=b"before\r")
    await asyncio.sleep(0.2)
    (shell,) = fake_backend.terminals
    assert shell.written == b""

    await watcher.send_to(text_data=json.dumps({"type": "take-over", "on": True}))
    assert await next_of_type(student, "typist") == {"type": "typist", "name": "teacher", "you": False}
    assert await next_of_type(watcher, "typist") == {"type": "typist", "name": "teacher", "you": True}
    await watcher.send_to(bytes_data=b"ls -l\r")
    assert await read_bytes(student) == b"ls -l\r"  # the student sees what is typed for them
    await student.send_to(bytes_data=b"pwd\r")  # and their own keys still work
    assert await read_bytes(student) == b"pwd\r"
    assert bytes(shell.written) == b"ls -l\rpwd\r"

    await student.send_to(text_data=json.dumps({"type": "take-over", "on": False}))  # the student ends it
    assert (await next_of_type(watcher, "typist"))["name"] is None
    await watcher.send_to(bytes_data=b"after\r")
    await asyncio.sleep(0.2)
    assert bytes(shell.written) == b"ls -l\rpwd\r"
    await watcher.disconnect()
    await student.disconnect()


async def test_leaving_ends_a_take_over(fake_backend, alice, teacher, helpers_may_type):
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    await until_status(watcher, "ready")
    await watcher.send_to(text_data=json.dumps({"type": "take-over", "on": True}))
    assert (await next_of_type(student, "typist"))["name"] == "teacher"
    await watcher.disconnect()
    assert (await next_of_type(student, "typist"))["name"] is None
    await student.disconnect()


async def test_a_page_that_joins_during_a_take_over_is_told(fake_backend, alice, teacher, helpers_may_type):
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/")
    await until_status(watcher, "ready")
    await watcher.send_to(text_data=json.dumps({"type": "take-over", "on": True}))
    await next_of_type(student, "typist")
    second_tab, _, _ = await open_terminal(alice)
    assert (await next_of_type(second_tab, "typist"))["name"] == "teacher"
    for communicator in (second_tab, watcher, student):
        await communicator.disconnect()


async def test_without_the_right_asking_changes_nothing(fake_backend, alice, teacher):
    student, _, _ = await open_terminal(alice)
    await until_status(student, "ready")
    watcher, _, _ = await open_terminal(teacher, path="/ws/terminal/alice/")  # the default rule: watch only
    assert (await until_status(watcher, "ready"))["may_take_over"] is False
    await watcher.send_to(text_data=json.dumps({"type": "take-over", "on": True}))
    await watcher.send_to(bytes_data=b"rm -rf ~\r")
    await asyncio.sleep(0.3)
    assert fake_backend.terminals[0].written == b""
    await watcher.disconnect()
    await student.disconnect()


def test_the_take_over_message_is_checked():
    from sandbox import protocol

    assert protocol.parse_control('{"type": "take-over", "on": true}') == protocol.TakeOver(on=True)
    with pytest.raises(protocol.ProtocolError):
        protocol.parse_control('{"type": "take-over", "on": 1}')
