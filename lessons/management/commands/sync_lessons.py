from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lessons.services import LessonSyncError, sync_lessons


class Command(BaseCommand):
    help = "Load the lesson Markdown files into the database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=None, help=f"Lessons directory (default: LESSONS_DIR, {settings.LESSONS_DIR})."
        )

    def handle(self, *args, **options):
        try:
            report = sync_lessons(options["dir"])
        except LessonSyncError as exc:
            raise CommandError(f"No lessons were changed; fix these file(s) first:\n{exc}") from exc
        for key in report.created:
            self.stdout.write(f"  created {key}", self.style.SUCCESS)
        for key in report.updated:
            self.stdout.write(f"  updated {key}")
        for key in report.removed:
            self.stdout.write(f"  removed {key}", self.style.WARNING)
        self.stdout.write(report.summary())
