from django.urls import path

from sandbox.consumers import TerminalConsumer

websocket_urlpatterns = [
    path("ws/terminal/", TerminalConsumer.as_asgi()),
    path("ws/terminal/<str:username>/", TerminalConsumer.as_asgi()),
]
