"""The classroom image cache: a reference registry (v2) on the host that every
sandbox's nested engine uses as its Docker Hub mirror, so a class pulling
`nginx` costs one download, or none at all offline.

Two modes (settings.IMAGE_CACHE_UPSTREAM; "auto", the default, picks pull-through
when Docker Hub answers and offline when it does not):
- offline: the cache serves, read-only, what `seed_images` put in it:
  each listed image pulled from Docker Hub when reachable, otherwise built
  here from Debian packages and labelled as built locally;
- pull-through (an upstream registry URL): the cache fetches from the upstream on
  first use and keeps it; `seed_images` warms it.

The registry runs as containers of the host engine (host network), so it
restarts with the engine and needs nothing installed on the host.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import docker
import docker.errors
from django.conf import settings

from sandbox.backends.docker import images as image_builder
from sandbox.backends.docker import specs
from sandbox.backends.docker.client import EngineUnreachable, connect
from sandbox.backends.docker.images import BuildError
from sandbox.backends.docker.specs import LABEL, ROLE_LABEL

Log = Callable[[str], None]
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)
# Images the project can build itself when Docker Hub is out of reach, from
# sandbox/images/seeds/<repository>/: the repository -> the role in the built
# image's name (specs.image). The registry students run is not "registry": that
# name is the classroom cache's own image.
LOCAL_STAND_INS = {"nginx": "nginx", "redis": "redis", "registry": "seed-registry", "python": "python"}
# Extra tags of the same image, as Docker Hub has them (or had: `registry` is 3.x there now).
ALIASES = {
    "debian:bookworm": ["debian:latest", "debian:12"],
    "registry:2": ["registry:latest"],
    "python:3-slim": ["python:3"],
}


DOCKER_HUB = "https://registry-1.docker.io"
COMPOSE_LABEL = "com.docker.compose.project"


def upstream() -> str:
    """The registry the cache pulls through, or "" for offline mode."""
    configured = settings.IMAGE_CACHE_UPSTREAM.strip()
    if configured.lower() in ("", "off", "offline", "none"):
        return ""
    if configured.lower() != "auto":
        return configured
    try:
        urllib.request.urlopen(DOCKER_HUB + "/v2/", timeout=3)
    except urllib.error.HTTPError:
        return DOCKER_HUB  # 401 asking for a token: Docker Hub is there
    except (urllib.error.URLError, OSError):
        return ""
    return DOCKER_HUB


def registry_image() -> str:
    return specs.image("registry")


def _name(role: str) -> str:
    return f"{settings.SANDBOX_NAME_PREFIX}-{role}"


def serve_url() -> str:
    return f"http://127.0.0.1:{settings.IMAGE_CACHE_PORT}"


# --- running the registry -----------------------------------------------------


def ensure_registry(client: docker.DockerClient, log: Log) -> None:
    """Build the registry image if needed and run the cache, recreating it when its mode changed.

    A cache that a deploy runs (a Compose service named like ours, compose.yaml) is
    the deploy's to build and configure: it is only started and waited for.
    """
    if _run_by_compose(client, log):
        return
    _build_registry_image(client, log)
    remote = upstream()
    mode = "proxy" if remote else "serve"
    env = {"REGISTRY_ADDR": f"0.0.0.0:{settings.IMAGE_CACHE_PORT}", "REGISTRY_MODE": mode}
    if remote:
        env["REGISTRY_UPSTREAM"] = remote
    wanted = sorted(f"{k}={v}" for k, v in env.items())
    name = _name("registry")
    try:
        current = client.containers.get(name)
        config_env = current.attrs["Config"].get("Env") or []
        same = sorted(e for e in config_env if e.startswith("REGISTRY_")) == wanted
        if same and current.image.id == client.images.get(registry_image()).id:
            if current.status != "running":
                current.start()
            _wait_healthy(serve_url(), log)
            log(f"[cache] {name} is running ({mode} mode) on port {settings.IMAGE_CACHE_PORT}")
            return
        log(f"[cache] recreating {name} (its settings changed)")
        current.remove(force=True)
    except docker.errors.NotFound:
        pass
    _run_registry(client, name, env)
    _wait_healthy(serve_url(), log)
    log(f"[cache] {name} started ({mode} mode) on port {settings.IMAGE_CACHE_PORT}")


def _run_by_compose(client: docker.DockerClient, log: Log) -> bool:
    name = _name("registry")
    try:
        current = client.containers.get(name)
    except docker.errors.NotFound:
        return False
    if COMPOSE_LABEL not in current.labels:
        return False
    if current.status != "running":
        current.start()
    _wait_healthy(serve_url(), log)
    mode = "proxy" if current_upstream(client) else "serve"
    log(f"[cache] {name} is run by Compose ({mode} mode) on port {settings.IMAGE_CACHE_PORT}")
    return True


def current_upstream(client: docker.DockerClient | None = None) -> str:
    """What the running cache pulls through ("" when it serves seeded images only)."""
    try:
        client = client or connect(timeout=10)
        env = client.containers.get(_name("registry")).attrs["Config"].get("Env") or []
    except (docker.errors.DockerException, EngineUnreachable):
        return ""
    values = dict(e.split("=", 1) for e in env if e.startswith("REGISTRY_"))
    return values.get("REGISTRY_UPSTREAM", "") if values.get("REGISTRY_MODE") == "proxy" else ""


def _build_registry_image(client: docker.DockerClient, log: Log) -> None:
    image_builder.ensure_base(client, False, log, image_builder.HOST_SUITE)
    base = image_builder.base_image(image_builder.HOST_SUITE)
    base_id = client.images.get(base).id
    image_builder.build_role(client, "registry", registry_image(), {"BASE": base}, [base_id], False, log)


def _serving_image(client: docker.DockerClient) -> str:
    """The image of the running cache when Compose runs it (the deploy names it), else ours."""
    try:
        current = client.containers.get(_name("registry"))
    except docker.errors.NotFound:
        return registry_image()
    return current.image.id if COMPOSE_LABEL in current.labels else registry_image()


def _run_registry(client: docker.DockerClient, name: str, env: dict, detach_restart: bool = True, image: str = ""):
    return client.containers.run(
        image or registry_image(),
        name=name,
        detach=True,
        environment=env,
        network_mode="host",
        volumes={_name("registry-data"): {"bind": "/var/lib/docker-registry", "mode": "rw"}},
        labels={ROLE_LABEL: "registry", LABEL: "classroom"},
        restart_policy={"Name": "unless-stopped"} if detach_restart else None,
        mem_limit="512m",
    )


def _wait_healthy(url: str, log: Log, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/v2/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() > deadline:
                raise BuildError(f"the image cache at {url} did not answer: {exc}") from exc
        time.sleep(0.2)


def is_healthy() -> bool:
    try:
        with urllib.request.urlopen(serve_url() + "/v2/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# --- seeding --------------------------------------------------------------------


def seed(client: docker.DockerClient, images: list[str], log: Log) -> None:
    ensure_registry(client, log)
    if current_upstream(client):
        for reference in images:
            _warm(reference, log)
        return
    writer = _start_writer(client, log)
    try:
        for reference in images:
            local = _obtain(client, reference, log)
            for tag in [reference, *ALIASES.get(reference, [])]:
                _push(client, local, tag, log)
    finally:
        writer.remove(force=True)
    log("[cache] seeded: " + ", ".join(images))


def _start_writer(client: docker.DockerClient, log: Log):
    """A read-write registry on loopback only, over the same storage, while seeding."""
    name = _name("registry-seed")
    try:
        client.containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    env = {"REGISTRY_ADDR": f"127.0.0.1:{settings.IMAGE_CACHE_SEED_PORT}", "REGISTRY_MODE": "seed"}
    writer = _run_registry(client, name, env, detach_restart=False, image=_serving_image(client))
    _wait_healthy(f"http://127.0.0.1:{settings.IMAGE_CACHE_SEED_PORT}", log)
    return writer


# debian:<tag> stand-ins: the base image of that release.
DEBIAN_TAGS = {
    "bookworm": "bookworm",
    "12": "bookworm",
    "trixie": "trixie",
    "13": "trixie",
    "latest": "bookworm",
}  # as ALIASES serves it


def _split(reference: str) -> tuple[str, str]:
    repository, _, tag = reference.partition(":")
    return repository, tag or "latest"


def _obtain(client: docker.DockerClient, reference: str, log: Log) -> str:
    """The image to cache for `reference`: from Docker Hub if reachable, else built here."""
    repository, tag = _split(reference)
    log(f"[cache] {reference}: pulling from Docker Hub")
    try:
        client.images.pull(repository, tag=tag)
        return f"{repository}:{tag}"
    except docker.errors.APIError as exc:
        log(f"[cache] {reference}: not reachable ({(exc.explanation or str(exc))[:120]}); building locally")
    if repository == "busybox":
        return image_builder.ensure_busybox(client, log)
    if repository == "debian" and tag in DEBIAN_TAGS:
        suite = DEBIAN_TAGS[tag]
        image_builder.ensure_base(client, False, log, suite)
        return image_builder.base_image(suite)
    if repository in LOCAL_STAND_INS:
        base = image_builder.base_image()
        image_builder.ensure_base(client, False, log)
        name = specs.image(LOCAL_STAND_INS[repository], tag)
        image_builder.build_role(
            client, f"seeds/{repository}", name, {"BASE": base}, [client.images.get(base).id], False, log
        )
        return name
    raise BuildError(
        f"{reference} cannot be pulled from Docker Hub and Dockyard has no local stand-in for it; "
        "remove it from SEED_IMAGES or seed on a machine with internet access."
    )


def _push(client: docker.DockerClient, local: str, reference: str, log: Log) -> None:
    repository, tag = _split(reference)
    target = f"127.0.0.1:{settings.IMAGE_CACHE_SEED_PORT}/library/{repository}"
    client.images.get(local).tag(target, tag)
    log(f"[cache] pushing {reference}")
    for chunk in client.api.push(target, tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise BuildError(f"pushing {reference} to the image cache failed: {chunk['error']}")
    client.images.remove(f"{target}:{tag}", noprune=True)


def _warm(reference: str, log: Log) -> None:
    """Pull-through mode: fetch the manifest and layers once so the cache holds them."""
    repository, tag = _split(reference)
    base = f"{serve_url()}/v2/library/{repository}"
    log(f"[cache] warming {reference} through the cache")
    manifest = _get_json(f"{base}/manifests/{tag}")
    if "manifests" in manifest:  # a multi-platform index: take linux/amd64
        chosen = next(
            m
            for m in manifest["manifests"]
            if m.get("platform", {}).get("os") == "linux" and m["platform"].get("architecture") == "amd64"
        )
        manifest = _get_json(f"{base}/manifests/{chosen['digest']}")
    for blob in [manifest["config"], *manifest["layers"]]:
        with urllib.request.urlopen(f"{base}/blobs/{blob['digest']}", timeout=600) as response:
            while response.read(1 << 20):
                pass


def _get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


# --- what is cached ---------------------------------------------------------------


def cached_images() -> list[dict]:
    """[{"name": "nginx", "tags": ["latest"]}, ...] as the cache reports them."""
    catalog = _get_json(f"{serve_url()}/v2/_catalog?n=1000").get("repositories") or []
    images = []
    for repository in catalog:
        tags = _get_json(f"{serve_url()}/v2/{repository}/tags/list").get("tags") or []
        images.append({"name": repository.removeprefix("library/"), "tags": sorted(tags)})
    return images
