"""The classroom's websockets: a class's live dashboard, and every class member's pages.

Both only forward what classroom.push sends to their groups (JSON text,
serialised once); who may connect is checked in `connect` (classroom.access).
Protocol: docs/classroom.md.
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer

from classroom import memberships, push, services, snapshot
from classroom.access import teaches
from classroom.live import screen_json
from classroom.models import Classroom, Membership
from sandbox.services import key_for_user_id

CLOSE_FORBIDDEN = 4403
_pages_counted_since_start = False


async def _forget_pages_once(layer) -> None:
    """With the in-memory channel layer this is the only server process: pages
    counted open before it started are not open any more."""
    global _pages_counted_since_start
    if not _pages_counted_since_start:
        _pages_counted_since_start = True
        if isinstance(layer, InMemoryChannelLayer):
            await services.forget_pages()


class PushConsumer(AsyncWebsocketConsumer):
    groups_joined: list[str] = []

    async def dispatch(self, message):
        # Channels closes stale database connections before every message, a hop to
        # the one thread all ORM calls share: under a class's load that queue, not
        # the push, was the dashboard's latency (as for the terminal's keystrokes).
        if message["type"] == "classroom.push":
            await self.send(text_data=message["text"])
        else:
            await super().dispatch(message)

    async def classroom_push(self, message):
        await self.send(text_data=message["text"])

    async def receive(self, text_data=None, bytes_data=None):
        if text_data and len(text_data) < 100 and '"ping"' in text_data:
            await self.send(text_data='{"type":"pong"}')

    async def join_groups(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)


class DashboardConsumer(PushConsumer):
    """/ws/classroom/<id>/dashboard/: the class's instructors (and superusers) only."""

    def __init__(self, *args, runtime=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.runtime = runtime  # this process's SandboxRuntime: the screens it holds

    async def connect(self):
        user = self.scope["user"]
        classroom_id = self.scope["url_route"]["kwargs"]["classroom_id"]
        if not user.is_authenticated or not await database_sync_to_async(teaches)(user, classroom_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await _forget_pages_once(self.channel_layer)
        # Join first, then read: a change between the two arrives after the
        # snapshot and is applied again, which each message allows.
        await self.join_groups([push.dashboard_group(classroom_id)])
        await self.accept()
        classroom = await Classroom.objects.aget(pk=classroom_id)
        rows, help_requests = await database_sync_to_async(self._state)(classroom)
        await self.send(
            text_data=json.dumps(
                {
                    "type": "snapshot",
                    "students": rows,
                    "help": help_requests,
                    "screens": self._screens(rows),
                }
            )
        )

    @staticmethod
    def _state(classroom):
        rows = snapshot.rows(classroom)
        memberships.warm([row["id"] for row in rows])  # their events need not wait for the database
        return rows, snapshot.open_help(classroom)

    def _screens(self, rows) -> dict:
        """The screens of this class's students whose shells this process holds."""
        screens = {}
        for row in rows:
            session = self.runtime.shells.get(key_for_user_id(row["id"])) if self.runtime else None
            if session is not None:
                screens[row["id"]] = screen_json(session)
        return screens


class StudentConsumer(PushConsumer):
    """/ws/classroom/: a class member's page: broadcasts, help and sandbox notices;
    while one is open, the student is online on the dashboards."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.classes = await database_sync_to_async(
            lambda: list(Membership.objects.filter(user=user).values_list("classroom_id", flat=True))
        )()
        if not self.classes:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        await _forget_pages_once(self.channel_layer)
        await self.join_groups([push.student_group(user.pk), *map(push.students_group, self.classes)])
        await self.accept()
        await services.pages_changed(user.pk, self.classes, +1)

    async def disconnect(self, code):
        await super().disconnect(code)
        if getattr(self, "classes", None) and hasattr(self, "user_id"):
            await services.pages_changed(self.user_id, self.classes, -1)
