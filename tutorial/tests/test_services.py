"""The run on PostgreSQL and Redis (scripts/test.sh sets DATABASE_URL and
REDIS_URL for it) really talks to them: the database and the channel layer are
the ones the environment names, and a message goes through the layer."""

import asyncio
import os

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
