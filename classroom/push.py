"""Every live message of the classroom goes out from here (as Zulip's actions
do): to a class's dashboards, to a class's students' pages, or to one student's
pages, through channel-layer groups. The consumers only forward them.

Each message is a JSON object with a "type" (docs/classroom.md); it is
serialised once here, whatever the number of pages that get it.
"""

from __future__ import annotations

import json
import logging

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def dashboard_group(classroom_id: int) -> str:
    return f"classroom.{classroom_id}.dashboard"


def students_group(classroom_id: int) -> str:
    return f"classroom.{classroom_id}.students"


def student_group(user_id: int) -> str:
    return f"classroom.student.{user_id}"


async def _send(groups, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    envelope = {"type": "classroom.push", "text": json.dumps(message)}
    for group in groups:
        try:
            await layer.group_send(group, envelope)
        except Exception:  # a full or absent layer must not break what sent it
            log.exception("could not push %s to %s", message.get("type"), group)


async def to_dashboards(classroom_ids, message: dict) -> None:
    await _send([dashboard_group(classroom_id) for classroom_id in classroom_ids], message)


async def to_class(classroom_id: int, message: dict) -> None:
    await _send([students_group(classroom_id)], message)


async def to_student(user_id: int, message: dict) -> None:
    await _send([student_group(user_id)], message)
