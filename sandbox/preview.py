"""The web preview: HTTP from the student's browser, through the app, to a port
the student published in their own sandbox (`docker run -p 8080:80 nginx`).

Only ports the student's engine reports as published, only on that student's
sandbox address (taken from the engine, never from the request): no open
proxy. The proxied page is the student's own code, so it is served in a
sandboxed, opaque origin (CSP `sandbox`) and may not set cookies on the app.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from django.utils.translation import gettext as _

from sandbox.backends import get_backend
from sandbox.backends.base import PublishedPort, SandboxError

log = logging.getLogger(__name__)

# Seconds a sandbox's port list and address are reused: a page's assets
# arrive in a burst, and asking the engine for each would be wasteful.
LOOKUP_TTL = 3.0
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
DROPPED_REQUEST = HOP_BY_HOP | {"cookie", "authorization", "x-csrftoken", "origin", "referer"}
# What a student's page could use against the app's own origin: wipe its storage
# and cookies (Clear-Site-Data), navigate it away (Refresh), or claim its whole
# scope for a service worker (Service-Worker-Allowed).
DROPPED_RESPONSE = HOP_BY_HOP | {
    "set-cookie",
    "content-security-policy",
    "x-frame-options",
    "strict-transport-security",
    "clear-site-data",
    "refresh",
    "service-worker-allowed",
}
PREVIEW_CSP = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
MAX_BODY = 10 * 1024 * 1024


class PreviewError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class PreviewClient:
    """The preview's HTTP client and its short memory of each sandbox's ports (one
    per SandboxRuntime: an httpx client belongs to the event loop that made it)."""

    def __init__(self):
        self._client: httpx.AsyncClient | None = None
        self.lookups: dict[str, tuple[float, str | None, list[PublishedPort]]] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # Never follow redirects nor use proxies from the environment: we talk to one address only.
            self._client = httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=httpx.Timeout(30, connect=5)
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def remember(self, key: str, address: str | None, ports: list[PublishedPort]) -> None:
        self.lookups[key] = (time.monotonic(), address, ports)

    async def sandbox_ports(self, key: str, *, fresh: bool = False) -> tuple[str | None, list[PublishedPort]]:
        cached = self.lookups.get(key)
        if cached and not fresh and time.monotonic() - cached[0] < LOOKUP_TTL:
            return cached[1], cached[2]
        backend = get_backend()
        address = await backend.address(key)
        ports = await backend.published_ports(key) if address else []
        self.remember(key, address, ports)
        return address, ports

    async def target_for(self, key: str, port: int) -> str:
        """The base URL for `port` of this sandbox, or PreviewError."""
        address, ports = await self.sandbox_ports(key)
        if address is None:
            raise PreviewError(503, _("Your sandbox is not running. Open a lesson to start it."))
        if port not in {p.port for p in ports}:
            address, ports = await self.sandbox_ports(key, fresh=True)  # published a moment ago?
            if port not in {p.port for p in ports}:
                raise PreviewError(
                    404,
                    _(
                        "Nothing is published on port %(port)s in your sandbox. "
                        "Publish it first, for example: docker run -d -p %(port)s:80 nginx"
                    )
                    % {"port": port},
                )
        return f"http://{address}:{port}"

    async def forward(self, base: str, method: str, path: str, query: str, headers, body: bytes) -> httpx.Response:
        url = f"{base}/{path}" + (f"?{query}" if query else "")
        request = self.client.build_request(method, url, headers=request_headers(headers), content=body or None)
        try:
            return await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise PreviewError(
                502, _("The program on this port did not answer: %(error)s") % {"error": exc.__class__.__name__}
            ) from exc


class PortWatchers:
    """One watcher per sandbox, shared by all of its open terminals in this process
    (part of its SandboxRuntime).

    Like the sandbox's shell (sandbox.shells), it lives on while the sandbox
    runs, so a reload costs no new exec and gets the current list at once.
    Driven by the engine's own container start/stop events, so nothing is polled;
    each change is also a "ports.changed" sandbox event.
    """

    def __init__(self, runtime):
        self.runtime = runtime
        self._subscribers: dict[str, set] = {}
        self._tasks: dict[str, asyncio.Task] = {}
        self._latest: dict[str, list[PublishedPort]] = {}

    async def subscribe(self, key: str, callback, start: bool = True) -> None:
        """`callback` gets the ports now (if a watcher runs) and after each change;
        without `start`, from the watcher someone starts later (wake)."""
        if start:
            self.wake(key)
        self._subscribers.setdefault(key, set()).add(callback)
        if key in self._latest:
            await callback(self._latest[key])

    def wake(self, key: str) -> None:
        """Start the sandbox's watcher, if none runs (its exec costs the most when a
        class connects at once, so a new shell's pages wait for its first command)."""
        task = self._tasks.get(key)
        if task is None or task.done():
            self._latest.pop(key, None)
            self._tasks[key] = task = asyncio.create_task(self._watch(key))
            task.add_done_callback(lambda done: self._finished(key, done))

    def unsubscribe(self, key: str, callback) -> None:
        self._subscribers.get(key, set()).discard(callback)

    def _finished(self, key: str, task: asyncio.Task) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
            self._latest.pop(key, None)

    def stop_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    async def _watch(self, key: str) -> None:
        backend, ports = self.runtime.backend, None
        try:
            async for latest in backend.watch_published_ports(key):
                self.runtime.preview.remember(key, await backend.address(key), latest)
                if latest == ports:
                    continue
                ports = self._latest[key] = latest
                self.runtime.events.publish("ports.changed", key, ports=ports_json(latest))
                for callback in list(self._subscribers.get(key, ())):
                    await callback(latest)
        except SandboxError:
            pass  # the sandbox stopped; terminals reconnect and subscribe again
        except Exception:
            log.exception("watching the ports of %s failed", key)


def ports_json(ports: list[PublishedPort]) -> list[dict]:
    return [
        {"port": p.port, "container": p.container, "target": p.target, "url": f"/sandbox/preview/{p.port}/"}
        for p in ports
    ]


def request_headers(headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in DROPPED_REQUEST}


def response_headers(headers: httpx.Headers, prefix: str, base: str) -> list[tuple[str, str]]:
    out = []
    for name, value in headers.multi_items():
        lower = name.lower()
        if lower in DROPPED_RESPONSE:
            continue
        if lower == "location":
            value = rewrite_location(value, prefix, base)
        out.append((name, value))
    out.append(("Content-Security-Policy", PREVIEW_CSP))
    out.append(("X-Content-Type-Options", "nosniff"))
    out.append(("Referrer-Policy", "no-referrer"))
    return out


def rewrite_location(location: str, prefix: str, base: str) -> str:
    """Redirects inside the sandbox stay inside the preview; others are left alone."""
    if location.startswith(base):
        location = location[len(base) :] or "/"
    if location.startswith("/") and not location.startswith("//"):
        return prefix.rstrip("/") + location
    return location
