"""Fail early, with a clear message, when no Docker engine is reachable."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.backends.docker import connect
from sandbox.backends.docker.client import EngineUnreachable


class Command(BaseCommand):
    help = "Check that the Docker engine that runs the sandboxes answers."

    def handle(self, *args, **options):
        try:
            version = connect(timeout=10).version()
        except EngineUnreachable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Docker engine {version.get('Version', '?')} is reachable.")
