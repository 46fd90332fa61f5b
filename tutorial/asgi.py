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


def build_application(runtime=None):
    """The ASGI application around one SandboxRuntime (this process's by default;
    tests build one around a fresh runtime of their own)."""
    runtime = runtime or sandbox_runtime.current()
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
