"""The course's images, unpacked once on the host for every sandbox's engine.

A fresh engine pulling nginx used to download and unpack the shared Debian
base layer (120 MB) again for each student: about 3 s of a first `docker run`
on a 2-core host, and its CPU taken from the rest of the class. Instead,
`seed_images` runs a throwaway dockerd of the engine image that pulls
SEED_IMAGES through the classroom cache into one host volume, once. Every
rootful engine mounts that volume read-only (specs.py) and, before its dockerd
starts, lays links to those layers into its own store (entrypoint.sh,
seed_course_layers; the engine image's course_layers.py says what is laid).
No image names them, so the student's `docker images` is empty until a pull,
which then says "Already exists" for each layer and fetches only the manifest
and the config. Nothing the student does in a container reaches the shared
files: overlayfs writes to the container's own layer on the student's disk.

The volume keeps every layer it ever unpacked, so an engine whose store links
to layers of an older image set still finds them after a refresh. Installs on
one Docker host with the same SANDBOX_IMAGE_PREFIX share it; each publishes
the seed of its own cache (`seed-<IMAGE_CACHE_PORT>`), whose digests its
engines pull.
"""

from __future__ import annotations

import docker
import docker.errors
from django.conf import settings

from sandbox.backends.docker import specs
from sandbox.backends.docker.images import BuildError
from sandbox.backends.docker.specs import LABEL, ROLE_LABEL

OUTPUT_LIMIT = 64 * 1024  # of the throwaway engine's messages shown: its progress, or dockerd's log tail on failure


def refresh(client: docker.DockerClient, images: list[str], mirror: str, log) -> None:
    """Pull `images` through `mirror` into the shared volume and publish a new seed.

    The throwaway engine shares the host's network (to reach the cache on
    loopback) but makes no network or firewall rule of its own (course-layers.sh).
    """
    try:
        _refresh(client, images, mirror, log)
    except docker.errors.DockerException as exc:
        raise BuildError(f"unpacking the course's images for the sandboxes failed: {exc}") from exc


def _refresh(client: docker.DockerClient, images: list[str], mirror: str, log) -> None:
    name = f"{settings.SANDBOX_NAME_PREFIX}-course-layers"
    try:
        client.containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    log(f"[layers] unpacking {', '.join(images)} once for every sandbox")
    container = client.containers.run(
        specs.image("engine"),
        entrypoint=["/usr/local/bin/dockyard-course-layers"],
        command=[mirror, str(settings.IMAGE_CACHE_PORT), *images],
        name=name,
        detach=True,
        network_mode="host",
        cap_add=["SYS_ADMIN"],  # overlay mounts, as the sandbox's engine
        cgroupns="private",
        security_opt=[f"seccomp={specs.engine_seccomp_profile()}"],
        volumes={specs.course_layers_volume(): {"bind": specs.COURSE_LAYERS_DIR, "mode": "rw"}},
        labels={ROLE_LABEL: "course-layers", LABEL: "classroom"},
    )
    try:
        shown = 0
        for line in container.logs(stream=True, follow=True):
            if shown < OUTPUT_LIMIT:
                shown += len(line)
                log("[layers] " + line.decode(errors="replace").rstrip())
        status = container.wait(timeout=30).get("StatusCode")
    finally:
        container.remove(force=True)
    if status != 0:
        raise BuildError(f"unpacking the course's images for the sandboxes failed (status {status}); see above")
