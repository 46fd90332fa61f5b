"""Logging out ends that browser session's terminals, in every tab and process."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


def login_session_group(session) -> str | None:
    """The channel-layer group of one browser session's terminals."""
    key = getattr(session, "session_key", None)
    return f"login-session.{key}" if key else None


@receiver(user_logged_out)
def close_terminals(sender, request, user, **kwargs):
    group = login_session_group(getattr(request, "session", None))
    layer = get_channel_layer()
    if group and layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "session.ended"})
