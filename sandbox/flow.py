"""Watermark flow control for one terminal, as in xterm.js's flow-control guide.

The server counts bytes sent and not yet acknowledged by the browser; above
the high watermark it stops reading from the sandbox (so the tty, not the
server, holds the backlog) until acknowledgements bring it under the low one.
"""

import asyncio


class FlowControl:
    def __init__(self, high: int, low: int):
        if not 0 <= low < high:
            raise ValueError("need 0 <= low watermark < high watermark")
        self.high = high
        self.low = low
        self.unacknowledged = 0
        self._room = asyncio.Event()
        self._room.set()

    @property
    def paused(self) -> bool:
        return not self._room.is_set()

    def sent(self, count: int) -> None:
        self.unacknowledged += count
        if self.unacknowledged >= self.high:
            self._room.clear()

    def acknowledged(self, count: int) -> None:
        self.unacknowledged = max(0, self.unacknowledged - count)
        if self.unacknowledged <= self.low:
            self._room.set()

    async def wait_for_room(self) -> None:
        await self._room.wait()
