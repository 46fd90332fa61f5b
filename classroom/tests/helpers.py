"""Opening the classroom's websockets as a browser would, and reading them."""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tutorial.testing import HOST, ORIGIN, asgi_application, session_cookie


async def connect(user, path):
    headers = [HOST, ORIGIN]
    if user is not None:
        headers.append(await database_sync_to_async(session_cookie)(user))
    communicator = WebsocketCommunicator(asgi_application(), path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected


async def dashboard(user, classroom_id):
    """A connected dashboard and its snapshot."""
    communicator, connected = await connect(user, f"/ws/classroom/{classroom_id}/dashboard/")
    assert connected
    snapshot = json.loads(await communicator.receive_from(5))
    assert snapshot["type"] == "snapshot"
    return communicator, snapshot


async def next_message(communicator, kind, timeout=3, **fields):
    """The next JSON message of this type (and these fields), skipping others
    (terminal bytes, other messages); a timeout ends the application."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = max(0.01, deadline - asyncio.get_running_loop().time())
        output = await communicator.receive_output(remaining)
        if "text" not in output:
            continue
        message = json.loads(output["text"])
        if message.get("type") == kind and all(message.get(k) == v for k, v in fields.items()):
            return message


async def terminal(user, path="/ws/terminal/?lesson=steps&lang=en"):
    """A terminal websocket, read up to its "ready" status."""
    communicator, connected = await connect(user, path)
    assert connected
    await next_message(communicator, "status", state="ready", timeout=5)
    return communicator
