"""Fail early, with a clear message, when no Docker engine is reachable."""
import docker
from django.core.management.base import BaseCommand, CommandError
from docker.errors import DockerException

from sandbox.backends.docker import NO_ENGINE


class Command(BaseCommand):
    help = "Check that the Docker engine that runs the sandboxes answers."

    def handle(self, *args, **options):
        try:
            client = docker.from_env(timeout=10)
            version = client.version()
        except DockerException as exc:
            raise CommandError(f"{NO_ENGINE}\n({exc})") from exc
        self.stdout.write(f"Docker engine {version.get('Version', '?')} is reachable.")
