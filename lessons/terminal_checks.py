"""Lesson checks after each command the student runs, driven by sandbox events.

The sandbox knows nothing of lessons: it says that a page attached
("terminal.opened", with the page's context: `lesson`, `lang`), that it left,
and that a command finished ("shell.prompt"). This listener, one per
SandboxRuntime (registered in lessons/apps.py), keeps which lesson pages each
student has open and, after each command, checks the steps not passed yet of
each of those lessons, or of the last one open if none is (a long
`docker build` that finishes after the tab closed is still checked). Results
go to the student's pages as `check` messages (sandbox.events.notify_terminals).
"""

from __future__ import annotations

from collections import defaultdict

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model

from lessons.checks import CheckRounds
from lessons.steps import SLUG_RE
from sandbox.events import SandboxEvent, notify_terminals


class LessonCheckListener:
    def __init__(self, runtime=None):
        # sandbox key -> {terminal id: (user id, lesson slug, language)}
        self.pages: dict[str, dict[str, tuple[int, str, str]]] = defaultdict(dict)
        self.last_page: dict[str, tuple[int, str, str]] = {}
        self.rounds: dict[tuple[str, str, str], CheckRounds] = {}

    async def __call__(self, event: SandboxEvent) -> None:
        if event.kind == "terminal.opened":
            page = self._lesson_page(event)
            if page is not None:
                self.pages[event.key][event.data["terminal"]] = page
                self.last_page[event.key] = page
        elif event.kind == "terminal.closed":
            self.pages[event.key].pop(event.data.get("terminal"), None)
        elif event.kind == "shell.prompt":
            open_pages = set(self.pages[event.key].values())
            if not open_pages and event.key in self.last_page:
                open_pages = {self.last_page[event.key]}
            for page in open_pages:
                rounds = await self._rounds(event.key, page)
                if rounds is not None:
                    rounds.request()
        elif event.kind == "sandbox.removed":
            for (key, _, _), rounds in list(self.rounds.items()):
                if key == event.key:
                    rounds.cancel()

    @staticmethod
    def _lesson_page(event: SandboxEvent) -> tuple[int, str, str] | None:
        if event.data.get("read_only"):
            return None  # an instructor watching runs no checks
        context = event.data.get("context") or {}
        slug, language = context.get("lesson", ""), context.get("lang", "")
        if not SLUG_RE.match(slug):
            return None
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        return event.data["user_id"], slug, language

    async def _rounds(self, key: str, page: tuple[int, str, str]) -> CheckRounds | None:
        """The one CheckRounds of this student and lesson (rounds never overlap)."""
        user_id, slug, language = page
        rounds = self.rounds.get((key, slug, language))
        if rounds is None:
            user = await _user(user_id)
            if user is None:
                return None

            async def report(lesson: str, result) -> None:
                await notify_terminals(
                    key,
                    {
                        "type": "check",
                        "lesson": lesson,
                        "step": result.step_id,
                        "passed": result.passed,
                        "message": result.message,
                    },
                )

            rounds = self.rounds[(key, slug, language)] = CheckRounds(user, slug, language, report=report)
        return rounds


@database_sync_to_async
def _user(user_id: int):
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
