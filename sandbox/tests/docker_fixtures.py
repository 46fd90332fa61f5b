"""Real sandboxes for integration tests, under a test-only name prefix so a
developer's own sandboxes on the same engine are never touched."""

import asyncio
import json
import os

import docker
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from sandbox.backends import reset_backend_cache
from sandbox.backends.docker import DockerBackend
from sandbox.backends.docker.specs import image
from tutorial.testing import HOST, ORIGIN, asgi_application, missing, session_cookie

# Several checkouts may test against one engine at once, each under its own prefix.
TEST_PREFIX = os.environ.get("DOCKYARD_TEST_PREFIX", "dockyard-test")


def require_engine_and_images():
    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except docker.errors.DockerException as exc:
        missing(f"no Docker engine reachable: {exc}")
    for role in ("engine", "workspace"):
        try:
            client.images.get(image(role))
        except docker.errors.ImageNotFound:
            missing(f"image {image(role)} not built: run `python manage.py build_images`")


class RunningSandbox:
    """A sandbox started once for a test module, with a shell-command helper."""

    def __init__(self, key: str):
        self.key = key
        self.backend = DockerBackend()

    def run(self, coro):
        return asyncio.run(coro)

    def start(self):
        info = self.run(self.backend.start(self.key))
        assert self.run(self.backend.wait_engine_ready(self.key, 60)), "nested engine never answered"
        return info

    def sh(self, script: str, timeout: float = 120):
        return self.run(self.backend.exec(self.key, ["bash", "-lc", script], timeout))

    def remove(self):
        self.run(self.backend.remove(self.key))


def sandbox_fixture(key: str, **overrides):
    """A module-scoped fixture: a running sandbox named `key` (under `overrides` of
    the settings, e.g. SANDBOX_ENGINE_MODE), removed afterwards."""

    @pytest.fixture(scope="module")
    def fixture():
        require_engine_and_images()
        with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_REAP_INTERVAL_SECONDS=0, **overrides):
            reset_backend_cache()
            sandbox = RunningSandbox(key)
            sandbox.remove()  # leftovers of an interrupted run
            sandbox.start()
            try:
                yield sandbox
            finally:
                sandbox.remove()
                reset_backend_cache()

    return fixture


def sandbox_container(sandbox: RunningSandbox, role: str):
    """The host's container `role` (engine, workspace) of a test sandbox."""
    from sandbox.backends.docker.specs import Names

    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        return docker.from_env().containers.get(getattr(Names(sandbox.key), role))


async def open_terminal(user, path="/ws/terminal/"):

    cookie = await database_sync_to_async(session_cookie)(user)
    communicator = WebsocketCommunicator(asgi_application(), path, headers=[HOST, ORIGIN, cookie])
    connected, _ = await communicator.connect(timeout=10)
    return communicator, connected


async def read_until(communicator, needle: bytes, timeout: float = 30) -> bytes:
    """Terminal output up to and including `needle`; status messages are skipped."""
    seen = bytearray()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while needle not in seen:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} never arrived; got {bytes(seen[-500:])!r}")
        output = await communicator.receive_output(remaining)
        if "bytes" in output:
            seen += output["bytes"]
            await communicator.send_to(text_data=json.dumps({"type": "ack", "bytes": len(output["bytes"])}))
        elif output["type"] == "websocket.close":
            raise AssertionError(f"closed before {needle!r}: {output}")
    return bytes(seen)
