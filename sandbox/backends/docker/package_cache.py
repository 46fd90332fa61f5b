"""The classroom package cache: nginx on the host, the only way sandboxes reach
Debian's archive when SANDBOX_EGRESS is "cache" (the default).

Sandboxes do not know it is there: the host firewall redirects their plain
HTTP (port 80) to it (sandbox.backends.docker_firewall), so `apt-get` in the
workspace, in a nested container or in a `RUN` step of a build works as on a
laptop. It fetches only from the archive hosts (PACKAGE_CACHE_HOSTS and the
hosts of DEBIAN_MIRROR/DEBIAN_SECURITY_MIRROR), answers anything else with a
clear refusal, and keeps the .deb files, so a class installing curl downloads
it once. Like the image cache it runs as a container of the host engine
(host network) and restarts with it.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import docker
import docker.errors
from django.conf import settings

from sandbox.backends.docker import images as image_builder
from sandbox.backends.docker import specs
from sandbox.backends.docker.specs import LABEL, ROLE_LABEL

Log = Callable[[str], None]


def archive_hosts() -> list[str]:
    hosts = list(settings.PACKAGE_CACHE_HOSTS)
    for url in (settings.DEBIAN_MIRROR, settings.DEBIAN_SECURITY_MIRROR):
        host = urlsplit(url).hostname
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def image() -> str:
    return specs.image("package-cache")


def container_name() -> str:
    return f"{settings.SANDBOX_NAME_PREFIX}-package-cache"


def ensure_package_cache(client: docker.DockerClient, log: Log) -> None:
    """Build the image if needed and run the cache, recreating it when its settings changed."""
    image_builder.ensure_base(client, False, log, image_builder.HOST_SUITE)
    base = image_builder.base_image(image_builder.HOST_SUITE)
    base_id = client.images.get(base).id
    image_builder.build_role(client, "package-cache", image(), {"BASE": base}, [base_id], False, log)
    env = {"PACKAGE_CACHE_PORT": str(settings.PACKAGE_CACHE_PORT), "PACKAGE_CACHE_HOSTS": ",".join(archive_hosts())}
    wanted = sorted(f"{key}={value}" for key, value in env.items())
    name = container_name()
    try:
        current = client.containers.get(name)
        current_env = sorted(e for e in current.attrs["Config"].get("Env") or [] if e.startswith("PACKAGE_CACHE_"))
        if current_env == wanted and current.image.id == client.images.get(image()).id:
            if current.status != "running":
                current.start()
            _wait_listening(log)
            log(f"[packages] {name} is running on port {settings.PACKAGE_CACHE_PORT}")
            return
        log(f"[packages] recreating {name} (its settings changed)")
        current.remove(force=True)
    except docker.errors.NotFound:
        pass
    client.containers.run(
        image(),
        name=name,
        detach=True,
        environment=env,
        network_mode="host",
        volumes={
            f"{settings.SANDBOX_NAME_PREFIX}-package-cache-data": {"bind": "/var/cache/dockyard-packages", "mode": "rw"}
        },
        labels={ROLE_LABEL: "package-cache", LABEL: "classroom"},
        restart_policy={"Name": "unless-stopped"},
        mem_limit="256m",
        log_config={"type": "json-file", "config": {"max-size": "1m", "max-file": "2"}},
    )
    _wait_listening(log)
    log(f"[packages] {name} started on port {settings.PACKAGE_CACHE_PORT}: {', '.join(archive_hosts())}")


def _wait_listening(log: Log, timeout: float = 30) -> None:
    """The cache answers (a refusal for a host that is not an archive is an answer)."""
    url = f"http://127.0.0.1:{settings.PACKAGE_CACHE_PORT}/"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "not-an-archive.invalid"}), timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() > deadline:
                raise image_builder.BuildError(f"the package cache at {url} did not answer: {exc}") from exc
        time.sleep(0.2)
