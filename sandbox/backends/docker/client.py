"""The one way into the Docker engine that runs the sandboxes.

`connect()` makes every SDK client of this package (the backend, the image
builder, the image and package caches, the management commands). `Engine`
wraps the backend's client with its own threads: SDK calls block, so the async
side never calls them on the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools

import docker
from django.conf import settings
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from sandbox.backends.base import SandboxError

NO_ENGINE = (
    "No Docker engine is reachable. Start one (for example `sudo dockerd &` or "
    "`sudo systemctl start docker`) or point DOCKER_HOST at it."
)
NO_IMAGES = "The sandbox images are not built yet: run `python manage.py build_images`."


class EngineUnreachable(SandboxError):
    code = "no-engine"


def connect(timeout: float = 120, pool_size: int | None = None) -> docker.DockerClient:
    """A client of the engine named by DOCKER_HOST (or the local socket), checked to answer."""
    try:
        options = {"timeout": timeout}
        if pool_size:
            options["max_pool_size"] = pool_size
        client = docker.from_env(**options)
        client.ping()
    except DockerException as exc:
        raise EngineUnreachable(f"{NO_ENGINE} ({exc})") from exc
    return client


class Engine:
    """The backend's client (connected on first use) and the threads its calls run in."""

    def __init__(self, client: docker.DockerClient | None = None):
        self._client = client
        # asyncio's default pool has cpu+4 threads, too few when a class opens its terminals at once.
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.SANDBOX_IO_THREADS, thread_name_prefix="docker-sdk"
        )

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = connect(pool_size=settings.SANDBOX_IO_THREADS)
            except EngineUnreachable as exc:
                raise SandboxError(NO_ENGINE, code="no-engine") from exc
        return self._client

    @property
    def api(self) -> docker.APIClient:
        return self.client.api

    async def in_thread(self, fn, *args, **kwargs):
        """Run a blocking call in the engine's threads."""
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def call(self, fn, *args, **kwargs):
        """Run a blocking SDK call in a thread, turning engine trouble into SandboxError."""
        try:
            return await self.in_thread(fn, *args, **kwargs)
        except ImageNotFound as exc:
            raise SandboxError(NO_IMAGES, code="no-images") from exc
        except (APIError, NotFound):
            raise
        except DockerException as exc:
            raise SandboxError(NO_ENGINE, code="no-engine") from exc

    def get(self, name: str):
        """A container by name, or None (blocking: call it through `call`)."""
        try:
            return self.client.containers.get(name)
        except NotFound:
            return None

    def shutdown(self):
        self._executor.shutdown(wait=True)
