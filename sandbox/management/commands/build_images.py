from django.core.management.base import BaseCommand, CommandError

from sandbox.backends.docker import images as image_builder


class Command(BaseCommand):
    # Building images needs neither the database nor the URL configuration.
    requires_system_checks = []
    help = "Build the sandbox images (base, busybox seed, engine, workspace) on the local Docker engine."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild every image, even if up to date.")

    def handle(self, *args, force=False, **options):
        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            image_builder.build_all(force=force, log=log)
        except image_builder.BuildError as exc:
            raise CommandError(str(exc)) from exc
