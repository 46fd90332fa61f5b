"""Who is recorded: the students of a class whose recording setting is on
(recordings.policy's rule, set from apps.py). A student in several classes
gets the most telling of their settings: a notice over a badge over off."""

from __future__ import annotations

from classroom.models import Membership
from recordings.policy import NOTICE, OFF, ON

RANK = {OFF: 0, ON: 1, NOTICE: 2}


def strongest(modes) -> str:
    return max(modes, key=RANK.__getitem__, default=OFF)


def recording_modes(user_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    rows = Membership.objects.filter(user_id__in=user_ids).exclude(classroom__recording=OFF)
    for user_id, mode in rows.values_list("user_id", "classroom__recording"):
        found.setdefault(user_id, []).append(mode)
    return {user_id: strongest(modes) for user_id, modes in found.items()}
