from django.conf import settings
from django.db import models
from django.utils import timezone


class Sandbox(models.Model):
    """What the app remembers of a student's sandbox; the engine stays the source of truth
    for what exists, this row for who owns it and when it was last used."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox")
    key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, default="missing")
    state = models.JSONField(default=dict, blank=True)
    last_activity = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.key} ({self.status})"

    def idle_for(self, now=None) -> float:
        return ((now or timezone.now()) - self.last_activity).total_seconds()
