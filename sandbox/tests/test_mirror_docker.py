"""The classroom image cache with real sandboxes: plain `docker pull nginx`
works offline, nobody can poison the cache, and a sandbox reaches the cache
but nothing else on the host."""

import http.server
import io
import socket
import threading
import time
import urllib.request

import docker
import pytest
from django.conf import settings
from django.test import override_settings

from sandbox.backends.docker import firewall as docker_firewall
from sandbox.backends.docker import image_cache as mirror
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, sandbox_fixture
from tutorial.testing import missing

pytestmark = pytest.mark.docker

learner = sandbox_fixture("mirror")


@pytest.fixture(scope="module", autouse=True)
def seeded_cache():
    if not mirror.is_healthy():
        missing("the image cache is not running: run `python manage.py seed_images`")
    names = {entry["name"] for entry in mirror.cached_images()}
    if not {"nginx", "debian", "busybox", "redis"} <= names:
        missing(f"the image cache lacks seeded images (has {sorted(names)}): run seed_images")


def gateway(sandbox) -> str:
    return sandbox.sh("ip route | awk '/default/ {print $3}'").output.strip()


def test_a_sandbox_pulls_a_seeded_image_by_its_plain_name(learner):
    result = learner.sh("docker rmi -f nginx >/dev/null 2>&1; docker pull nginx")
    assert result.exit_code == 0, result.output
    assert "docker.io/library/nginx:latest" in result.output


def test_the_books_nginx_exercise_serves_the_welcome_page(learner):
    result = learner.sh(
        "docker rm -f webserver >/dev/null 2>&1; docker run -d -p 8080:80 --name webserver nginx >/dev/null && "
        "for i in $(seq 1 50); do curl -fsS localhost:8080 && exit 0; sleep 0.1; done; exit 1"
    )
    assert result.exit_code == 0, result.output
    assert "Welcome to nginx!" in result.output
    changed = learner.sh(
        "docker exec webserver sh -c \"echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html\" && "
        "curl -fsS localhost:8080"
    )
    assert "<h1>Hello, Docker!</h1>" in changed.output


def test_debian_and_redis_run_offline(learner):
    result = learner.sh(
        "docker run --rm debian:bookworm cat /etc/debian_version && docker run --rm redis redis-server --version"
    )
    assert result.exit_code == 0, result.output
    assert any(line.startswith("12.") for line in result.output.splitlines()), result.output
    assert "Redis server v=" in result.output


def _nginx_digest() -> str:
    request = urllib.request.Request(
        f"{mirror.serve_url()}/v2/library/nginx/manifests/latest",
        method="HEAD",
        headers={"Accept": mirror.MANIFEST_TYPES},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Docker-Content-Digest"]


def test_a_student_cannot_push_into_the_cache(learner):
    before = _nginx_digest()
    result = learner.sh(
        f"docker tag busybox {gateway(learner)}:5000/library/nginx:latest && "
        f"docker push {gateway(learner)}:5000/library/nginx:latest"
    )
    assert result.exit_code != 0
    assert "method not allowed" in result.output.lower(), result.output
    assert _nginx_digest() == before


@pytest.fixture
def host_service():
    """A web server on every host address, as an SSH daemon or a database would be."""
    server = http.server.HTTPServer(("0.0.0.0", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_a_sandbox_reaches_the_cache_and_nothing_else_on_the_host(learner, host_service):
    # The host itself reaches its own service: it is really listening.
    with urllib.request.urlopen(f"http://127.0.0.1:{host_service}/", timeout=3) as response:
        assert response.status == 200
    gw = gateway(learner)
    cache = learner.sh(f"curl -fsS -m 5 http://{gw}:5000/v2/_catalog")
    assert cache.exit_code == 0 and "library/nginx" in cache.output, cache.output
    probe = learner.sh(f"curl -sS -m 3 http://{gw}:{host_service}/")
    assert probe.exit_code != 0, probe.output


def test_the_cache_lists_what_it_holds():
    entries = {entry["name"]: entry["tags"] for entry in mirror.cached_images()}
    assert entries["nginx"] == ["latest"]
    assert set(entries["debian"]) >= {"bookworm", "latest", "12"}


# --- pull-through mode ------------------------------------------------------------

UPSTREAM_PORT, PROXY_PORT = 5102, 5103


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _registry(client, name, env):
    return client.containers.run(
        mirror.registry_image(),
        name=name,
        detach=True,
        environment=env,
        network_mode="host",
    )


def _wait(url):
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def pull_through():
    """An 'upstream' registry holding library/hello, and a cache in pull-through mode of it."""
    client = docker.from_env()
    for leftover in (f"{TEST_PREFIX}-upstream", f"{TEST_PREFIX}-proxy"):
        try:
            client.containers.get(leftover).remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
    if not (_free(UPSTREAM_PORT) and _free(PROXY_PORT)):
        pytest.fail(f"ports {UPSTREAM_PORT}/{PROXY_PORT} are taken")
    upstream = _registry(
        client, f"{TEST_PREFIX}-upstream", {"REGISTRY_ADDR": f"127.0.0.1:{UPSTREAM_PORT}", "REGISTRY_MODE": "seed"}
    )
    proxy = _registry(
        client,
        f"{TEST_PREFIX}-proxy",
        {
            "REGISTRY_ADDR": f"0.0.0.0:{PROXY_PORT}",
            "REGISTRY_MODE": "proxy",
            "REGISTRY_UPSTREAM": f"http://127.0.0.1:{UPSTREAM_PORT}",
        },
    )
    _wait(f"http://127.0.0.1:{UPSTREAM_PORT}/v2/")
    _wait(f"http://127.0.0.1:{PROXY_PORT}/v2/")
    target = f"127.0.0.1:{UPSTREAM_PORT}/library/hello"
    # An image no sandbox has any layer of yet.
    dockerfile = f"FROM dockyard/busybox:latest\nRUN echo {time.time_ns()} > /unique\n".encode()
    built, _ = client.images.build(fileobj=io.BytesIO(dockerfile), rm=True)
    built.tag(target, "v1")
    for chunk in client.api.push(target, tag="v1", stream=True, decode=True):
        assert "error" not in chunk, chunk
    client.images.remove(f"{target}:v1", noprune=True)
    try:
        with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, IMAGE_CACHE_PORT=PROXY_PORT):
            yield upstream
    finally:
        for container in (upstream, proxy):
            container.remove(force=True, v=True)
        # The rules as they are without this test's port (chains are replaced whole),
        # and the jump that named it dropped.
        cleanup = docker_firewall.container_options()
        stale = (
            f"-p tcp -m multiport --dports {PROXY_PORT},{settings.PACKAGE_CACHE_PORT} -j {docker_firewall.CACHE_CHAIN}"
        )
        cleanup["entrypoint"][-1] += f"\n$IPT -w -D INPUT {stale} 2>/dev/null || :\n"
        client.containers.run(**cleanup)


def _upstream_blob_fetches(upstream) -> list[str]:
    return [
        line
        for line in upstream.logs().decode().splitlines()
        if "GET /v2/library/hello/blobs/sha256:" in line and '" 200 ' in line
    ]


def test_two_sandboxes_pulling_the_same_image_fetch_it_once(pull_through):
    """The second sandbox's pull is served from the cache: the upstream sees nothing more.

    (The reference registry fetches each blob twice on the very first pull:
    once streamed to that client, once to store it.)"""
    first, second = RunningSandbox("pull-a"), RunningSandbox("pull-b")
    fetched = []
    try:
        for sandbox in (first, second):
            sandbox.remove()
            sandbox.start()
            result = sandbox.sh("docker pull hello:v1 && docker run --rm hello:v1 cat /unique")
            assert result.exit_code == 0, result.output
            fetched.append(len(_upstream_blob_fetches(pull_through)))
        assert fetched[0] > 0
        assert fetched[1] == fetched[0]
    finally:
        first.remove()
        second.remove()


@pytest.mark.django_db
def test_an_instructor_sees_what_the_cache_holds(client, teacher, alice):
    client.force_login(alice)
    assert client.get("/sandbox/images/").status_code == 403  # students may not
    client.force_login(teacher)
    page = client.get("/sandbox/images/").content.decode()
    assert "<code>nginx</code>" in page and "bookworm" in page
