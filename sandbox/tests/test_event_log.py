"""Each sandbox event is one line in the server's log, naming the sandbox and the student."""

import logging

from sandbox.event_log import EventLogListener
from sandbox.events import SandboxEvent


async def test_each_event_is_one_line_with_sandbox_and_student(caplog):
    listener = EventLogListener()
    with caplog.at_level(logging.DEBUG, logger="sandbox.events"):
        await listener(SandboxEvent("shell.prompt", "u42", {"status": 1}))
        await listener(
            SandboxEvent(
                "terminal.opened",
                "u42",
                {"user_id": 42, "read_only": False, "terminal": "x!y", "context": {"lesson": "a"}},
            )
        )
        await listener(SandboxEvent("activity", "u42", {"user_id": 42}))
    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert lines == [
        ("INFO", "event=shell.prompt sandbox=u42 status=1"),
        ("INFO", "event=terminal.opened sandbox=u42 read_only=False user_id=42"),
        ("DEBUG", "event=activity sandbox=u42 user_id=42"),
    ]


async def test_a_value_with_spaces_cannot_forge_another_field(caplog):
    with caplog.at_level(logging.INFO, logger="sandbox.events"):
        await EventLogListener()(SandboxEvent("sandbox.stopped", "u1", {"reason": "idle user=0\nforged"}))
    assert caplog.records[0].getMessage() == "event=sandbox.stopped sandbox=u1 reason='idle user=0\\nforged'"
