from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.backends.docker import course_layers, image_cache, package_cache, specs
from sandbox.backends.docker import images as image_builder


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Start the classroom's caches: the package cache (Debian's archive, for apt-get in sandboxes) "
        "and the image cache, filled with SEED_IMAGES: pulled from Docker Hub when reachable, "
        "otherwise built locally from Debian packages; then their layers, unpacked once for every sandbox "
        "(IMAGE_CACHE_SHARED_LAYERS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="*", help="Images to seed (default: SEED_IMAGES).")

    def handle(self, *args, images, **options):
        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            package_cache.ensure_package_cache(image_builder.client_or_error(), log)
        except image_builder.BuildError as exc:
            raise CommandError(str(exc)) from exc
        if not settings.IMAGE_CACHE_ENABLED:
            self.stdout.write("The image cache is turned off (IMAGE_CACHE_ENABLED=false).")
            return
        images = images or settings.SEED_IMAGES
        try:
            client = image_builder.client_or_error()
            image_cache.seed(client, images, log)
            for entry in image_cache.cached_images():
                log(f"  cached: {entry['name']}:{', '.join(entry['tags'])}")
        except image_builder.BuildError as exc:
            raise CommandError(str(exc)) from exc
        if specs.shares_course_layers():
            self._share_layers(client, images, log)

    def _share_layers(self, client, images, log) -> None:
        """Sandboxes work without the shared layers (each engine then unpacks its own): say so, go on."""
        # The seed replaces the last one: it holds the whole course, not only what was named here.
        everything = list(dict.fromkeys([*settings.SEED_IMAGES, *images]))
        try:
            course_layers.refresh(client, everything, image_cache.serve_url(), log)
        except image_builder.BuildError as exc:
            self.stderr.write(
                f"[layers] {exc}\n[layers] Sandboxes still work: each engine pulls and unpacks the course's images "
                "itself, as with IMAGE_CACHE_SHARED_LAYERS=false. Run seed_images again to retry."
            )
