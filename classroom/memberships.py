"""Which classes a student is in, cached in this process for the live path:
every event of a student's sandbox asks, and a class's roster rarely changes.

Changes made in this process are seen at once (signals in apps.py); changes
made by another server process within MEMBERSHIP_TTL seconds.
"""
from __future__ import annotations

import time

from channels.db import database_sync_to_async

from classroom.models import Membership

MEMBERSHIP_TTL = 10.0
_cache: dict[int, tuple[float, tuple[int, ...]]] = {}


async def classes_of(user_id: int) -> tuple[int, ...]:
    cached = _cache.get(user_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    ids = await _load(user_id)
    _cache[user_id] = (time.monotonic() + MEMBERSHIP_TTL, ids)
    return ids


@database_sync_to_async
def _load(user_id: int) -> tuple[int, ...]:
    return tuple(Membership.objects.filter(user_id=user_id).values_list("classroom_id", flat=True))


def forget(user_id: int | None = None) -> None:
    """Drop what is cached of one student (or of everyone)."""
    if user_id is None:
        _cache.clear()
    else:
        _cache.pop(user_id, None)
