"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

import classroom.routing  # noqa: E402
import sandbox.routing  # noqa: E402
from sandbox import runtime as sandbox_runtime  # noqa: E402
from tutorial.origin import SameOriginValidator  # noqa: E402


class StartsBackgroundWork:
    """The runtime's background work (idle reaper, pool filler) starts with the
    process's first request of any kind, not only its first terminal: daphne
    sends no lifespan events, and a server restarted before class should fill
    its pool (and attach its shells) when the first page or health check comes."""

    def __init__(self, app, runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            self.runtime.start_background_work()
        return await self.app(scope, receive, send)


def build_application(runtime=None):
    """The ASGI application around one SandboxRuntime (this process's by default;
    tests build one around a fresh runtime of their own)."""
    runtime = runtime or sandbox_runtime.current()
    return StartsBackgroundWork(_router(runtime), runtime)


def _router(runtime):
    return ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": SameOriginValidator(
                AuthMiddlewareStack(
                    URLRouter(
                        [
                            *sandbox.routing.websocket_urlpatterns(runtime),
                            *classroom.routing.websocket_urlpatterns(runtime),
                        ]
                    )
                )
            ),
        }
    )


application = build_application()
