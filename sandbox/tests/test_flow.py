import asyncio

import pytest

from sandbox.flow import FlowControl


def test_it_pauses_at_the_high_watermark_and_resumes_under_the_low_one():
    flow = FlowControl(high=100, low=20)
    flow.sent(99)
    assert not flow.paused
    flow.sent(1)
    assert flow.paused
    flow.acknowledged(50)
    assert flow.paused  # 50 still outstanding, above the low watermark
    flow.acknowledged(30)
    assert not flow.paused


async def test_waiting_for_room_blocks_until_acknowledged():
    flow = FlowControl(high=10, low=0)
    flow.sent(10)
    waiter = asyncio.create_task(flow.wait_for_room())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    flow.acknowledged(10)
    await asyncio.wait_for(waiter, 1)


def test_over_acknowledging_never_goes_negative():
    flow = FlowControl(high=10, low=0)
    flow.acknowledged(1000)
    assert flow.unacknowledged == 0


def test_it_rejects_inverted_watermarks():
    with pytest.raises(ValueError):
        FlowControl(high=10, low=10)
