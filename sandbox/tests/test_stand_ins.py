"""The images the classroom cache can build itself when Docker Hub is out of
reach (image_cache.LOCAL_STAND_INS): each has its folder, says it was built
locally, and never takes the name of an image Dockyard runs itself."""

from django.conf import settings

from sandbox.backends.docker import image_cache
from sandbox.backends.docker.images import IMAGES_DIR
from sandbox.backends.docker.specs import image

DOCKYARD_ROLES = ("base", "busybox", "engine", "workspace", "registry", "package-cache")


def test_every_stand_in_has_a_dockerfile_labelled_as_built_locally():
    for repository in image_cache.LOCAL_STAND_INS:
        dockerfile = (IMAGES_DIR / "seeds" / repository / "Dockerfile").read_text()
        assert "built locally by Dockyard" in dockerfile, repository


def test_no_stand_in_replaces_an_image_dockyard_runs():
    # Same repository, any tag: seeding `registry:latest` would otherwise overwrite the cache's image.
    ours = {image(role).rsplit(":", 1)[0] for role in DOCKYARD_ROLES}
    for role in image_cache.LOCAL_STAND_INS.values():
        assert image(role).rsplit(":", 1)[0] not in ours, role


def test_every_default_seed_image_can_be_had_offline():
    for reference in settings.SEED_IMAGES:
        repository = reference.partition(":")[0]
        assert repository in {"busybox", "debian", *image_cache.LOCAL_STAND_INS}, reference
