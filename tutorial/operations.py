"""What an operator's tools read: /healthz for a load balancer or a monitor,
/metrics for Prometheus.

/healthz answers 200 when every part answers, 503 otherwise, with one word per
part and no detail (the details go to the log): anyone may ask. /metrics needs
`Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN it does not exist.
"""

import asyncio
import hmac
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily

from sandbox.backends import get_backend
from sandbox.models import Sandbox
from tutorial.metrics import REGISTRY

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _channel_layer() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await layer.receive(channel)


def _image_cache() -> str:
    from sandbox.backends.docker import image_cache

    return "ok" if image_cache.is_healthy() else "error"


async def _part(name: str, check) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT)
        return "ok"
    except Exception as exc:  # whatever failed, the answer is the same word; the log says why
        log.warning("health: %s does not answer: %r", name, exc)
        return "error"


async def healthz(request):
    parts = {
        "database": await _part("database", sync_to_async(_database)),
        "channel_layer": await _part("channel_layer", _channel_layer),
        "sandboxes": await _part("sandboxes", lambda: get_backend().ping()),
    }
    if settings.IMAGE_CACHE_ENABLED and settings.SANDBOX_BACKEND.startswith("sandbox.backends.docker."):
        parts["image_cache"] = await sync_to_async(_image_cache, thread_sensitive=False)()
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse({"status": "ok" if healthy else "error", "parts": parts}, status=200 if healthy else 503)


class SandboxesByStatus:
    """Sandboxes the database knows, by status, read at each scrape."""

    def describe(self):
        # Registration asks for the metric names; without this it would call
        # collect() and query the database at import, before any migration.
        yield self._family()

    def _family(self):
        return GaugeMetricFamily("dockyard_sandboxes", "Sandboxes by status.", labels=["status"])

    def collect(self):
        family = self._family()
        counts = dict(Sandbox.objects.values_list("status").annotate(n=Count("id")))
        for status in ("running", "stopped", "missing"):
            family.add_metric([status], counts.get(status, 0))
        yield family


REGISTRY.register(SandboxesByStatus())


def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse(
            "Unauthorized\n", status=401, content_type="text/plain", headers={"WWW-Authenticate": "Bearer"}
        )
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
