"""Which classes a student is in, cached in this process for the live path:
every event of a student's sandbox asks, and a class's roster rarely changes.

A dashboard that connects fills the cache for its students in one query, so the
first events of a class do not each wait for the database (all ORM calls of a
process share one thread). Changes made in this process are seen at once
(signals in receivers.py); an entry older than MEMBERSHIP_TTL seconds is still
answered, and read again in the background, for changes made by another process.
"""

from __future__ import annotations

import asyncio
import time

from channels.db import database_sync_to_async

from classroom.models import Membership

MEMBERSHIP_TTL = 30.0
_cache: dict[int, tuple[float, tuple[int, ...]]] = {}
_refreshing: set[int] = set()


async def classes_of(user_id: int) -> tuple[int, ...]:
    cached = _cache.get(user_id)
    if cached is None:
        return await _refresh(user_id)
    if cached[0] <= time.monotonic() and user_id not in _refreshing:
        _refreshing.add(user_id)
        task = asyncio.get_running_loop().create_task(_refresh(user_id))
        task.add_done_callback(lambda _: _refreshing.discard(user_id))
    return cached[1]


async def _refresh(user_id: int) -> tuple[int, ...]:
    ids = (await _load([user_id])).get(user_id, ())
    _cache[user_id] = (time.monotonic() + MEMBERSHIP_TTL, ids)
    return ids


@database_sync_to_async
def _load(user_ids) -> dict[int, tuple[int, ...]]:
    return load(user_ids)


def load(user_ids) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for user_id, classroom_id in Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "classroom_id"):
        found.setdefault(user_id, []).append(classroom_id)
    return {user_id: tuple(found.get(user_id, ())) for user_id in user_ids}


def warm(user_ids) -> None:
    """Fill the cache for these students (sync: from a dashboard's snapshot query)."""
    expires = time.monotonic() + MEMBERSHIP_TTL
    for user_id, ids in load(user_ids).items():
        _cache[user_id] = (expires, ids)


def forget(user_id: int | None = None) -> None:
    """Drop what is cached of one student (or of everyone)."""
    if user_id is None:
        _cache.clear()
    else:
        _cache.pop(user_id, None)
