from django.urls import path

from sandbox.consumers import TerminalConsumer


def websocket_urlpatterns(runtime):
    """The terminal's websocket routes, each consumer given this process's runtime."""
    return [
        path("ws/terminal/", TerminalConsumer.as_asgi(runtime=runtime)),
        path("ws/terminal/<str:username>/", TerminalConsumer.as_asgi(runtime=runtime)),
    ]
