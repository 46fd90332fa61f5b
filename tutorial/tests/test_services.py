"""The run on PostgreSQL and Redis (scripts/test.sh sets DATABASE_URL and
REDIS_URL for it) really talks to them: the database and the channel layer are
the ones the environment names, and a message goes through the layer."""

import asyncio
import os
import random

import pytest
from channels.layers import get_channel_layer
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_the_one_the_environment_names():
    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == wanted
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


async def test_a_message_goes_through_the_channel_layer_the_environment_names():
    layer = get_channel_layer()
    wanted = "RedisChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer"
    assert type(layer).__name__ == wanted
    channel = await layer.new_channel()
    await layer.group_add("services-test", channel)
    await layer.group_send("services-test", {"type": "ping", "text": "你好"})
    assert await layer.receive(channel) == {"type": "ping", "text": "你好"}
    await layer.group_discard("services-test", channel)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis channel layer only")
async def test_a_consumer_waits_on_a_quiet_channel_for_longer_than_a_read_timeout():
    # redis-py 8's default 5 s read timeout cut channels_redis's 5 s blocking pop.
    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 12)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis channel layer only")
async def test_a_receive_cancelled_at_any_moment_ends():
    # A consumer cancels its receive when its websocket closes, then waits for it.
    # Cancelled just as redis-py sent its command, channels_redis's receive went on
    # for good (Python 3.11's wait_for drops such a cancel): 87 of 200 cancelled
    # within their first 3 ms, and a CI run hung on one.
    layer = get_channel_layer()
    went_on = []
    for attempt in range(200):
        receive = asyncio.ensure_future(layer.receive(await layer.new_channel()))
        await asyncio.sleep(random.uniform(0, 0.003))
        receive.cancel()
        done, _ = await asyncio.wait([receive], timeout=3)
        if not done:
            went_on.append(attempt)
            receive.cancel()  # once more: it ends, and the next attempt starts clean
            await asyncio.wait([receive], timeout=3)
    assert went_on == [], f"{len(went_on)} of 200 receives went on after their cancel"
