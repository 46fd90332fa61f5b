from django.urls import path

from classroom.consumers import DashboardConsumer, StudentConsumer


def websocket_urlpatterns(runtime):
    """The classroom's websocket routes; the dashboard is given this process's runtime."""
    return [
        path("ws/classroom/", StudentConsumer.as_asgi()),
        path("ws/classroom/<int:classroom_id>/dashboard/", DashboardConsumer.as_asgi(runtime=runtime)),
    ]
