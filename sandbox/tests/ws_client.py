"""A terminal page's side of the websocket, for tests against live servers
(sandbox.tests.live_server): log in over HTTP as the login form does, open
/ws/terminal/ with that session, type, acknowledge output, read until."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

from websockets.asyncio.client import connect


def session_cookie(base: str, username: str, password: str) -> str:
    """The Cookie header of a session logged in through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=30) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    request = urllib.request.Request(f"{base}/accounts/login/", data=body.encode(), headers={"Referer": base})
    with opener.open(request, timeout=30):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, f"{username} could not log in"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class LiveTerminal:
    """One terminal websocket: output kept as it arrives, statuses apart."""

    def __init__(self, ws):
        self.ws = ws
        self.output = bytearray()
        self.statuses: list[dict] = []

    @classmethod
    async def open(cls, base: str, cookie: str, path: str = "/ws/terminal/", cols: int = 100, rows: int = 30):
        ws = await connect(base.replace("http://", "ws://") + path, origin=base, additional_headers={"Cookie": cookie})
        await ws.send(json.dumps({"type": "resize", "cols": cols, "rows": rows}))
        return cls(ws)

    async def type(self, text: str) -> None:
        await self.ws.send(text.encode())

    async def until(self, needle: bytes, timeout: float = 60) -> bytes:
        """All output so far once `needle` is in it."""
        try:
            async with asyncio.timeout(timeout):
                while needle not in self.output:
                    await self._receive()
        except TimeoutError:
            raise AssertionError(
                f"{needle!r} never arrived; statuses {self.statuses}; output ends {bytes(self.output[-400:])!r}"
            ) from None
        return bytes(self.output)

    async def status(self, state: str, timeout: float = 120) -> dict:
        async with asyncio.timeout(timeout):
            while not any(s.get("state") == state for s in self.statuses):
                await self._receive()
        return next(s for s in self.statuses if s.get("state") == state)

    async def _receive(self) -> None:
        message = await self.ws.recv()
        if isinstance(message, bytes):
            self.output += message
            await self.ws.send(json.dumps({"type": "ack", "bytes": len(message)}))
        else:
            data = json.loads(message)
            if data.get("type") == "status":
                self.statuses.append(data)

    async def close(self) -> None:
        await self.ws.close()
