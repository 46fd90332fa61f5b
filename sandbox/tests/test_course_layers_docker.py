"""The course's layers, unpacked once on the host and shared read-only by every
engine (sandbox/backends/docker/course_layers.py): a student's first pull of a
course image unpacks nothing, yet the student sees only what they pulled, and
nothing one student does reaches the shared files or another student."""

import time

import docker
import pytest
from django.test import override_settings

from sandbox.backends.docker import image_cache, specs
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, sandbox_fixture
from tutorial.testing import missing

pytestmark = pytest.mark.docker
QUIET_SECONDS = 3
WELCOME = "Welcome to nginx!"

alice = sandbox_fixture("layers-alice", SANDBOX_ENGINE_START="lazy", SANDBOX_ENGINE_QUIET_SECONDS=QUIET_SECONDS)
bob = sandbox_fixture("layers-bob")


@pytest.fixture(scope="module", autouse=True)
def published_seed():
    if not image_cache.is_healthy():
        missing("the image cache is not running: run `python manage.py seed_images`")
    try:
        volume = docker.from_env().volumes.get(specs.course_layers_volume())
    except docker.errors.NotFound:
        missing(f"no {specs.course_layers_volume()} volume: run `python manage.py seed_images`")
    return volume


def pull_lines(output: str) -> list[str]:
    """The per-layer lines of `docker pull`'s output ("<short id>: <status>")."""
    return [line for line in output.splitlines() if len(line) > 14 and line[12:14] == ": "]


def test_a_fresh_engine_shows_no_course_image_and_its_first_pull_unpacks_nothing(alice):
    listed = alice.sh("docker images --format '{{.Repository}}:{{.Tag}}'")
    assert listed.exit_code == 0, listed.output
    assert not {"nginx:latest", "redis:latest", "debian:bookworm"} & set(listed.output.split()), listed.output

    pulled = alice.sh("docker rmi -f nginx >/dev/null 2>&1; docker pull nginx")
    assert pulled.exit_code == 0, pulled.output
    layers = pull_lines(pulled.output)
    assert layers and all(line.endswith(": Already exists") for line in layers), pulled.output
    assert "docker.io/library/nginx:latest" in pulled.output

    served = alice.sh(
        "docker rm -f web >/dev/null 2>&1; docker run -d --name web -p 8080:80 nginx >/dev/null && "
        "for i in $(seq 1 50); do curl -fsS localhost:8080 && exit 0; sleep 0.1; done; exit 1"
    )
    assert served.exit_code == 0, served.output
    assert WELCOME in served.output


def test_what_one_student_changes_in_a_shared_layer_stays_in_that_students_container(alice, bob):
    changed = alice.sh(
        "docker pull -q nginx >/dev/null && docker rm -f web2 >/dev/null 2>&1; "
        "docker run -d --name web2 nginx >/dev/null && "
        "docker exec web2 sh -c 'echo alice was here > /usr/share/nginx/html/index.html; rm -f /bin/ls' && "
        "docker exec web2 cat /usr/share/nginx/html/index.html && "
        "docker commit web2 alice-nginx >/dev/null && docker run --rm alice-nginx cat /usr/share/nginx/html/index.html"
    )
    assert changed.exit_code == 0, changed.output
    assert changed.output.count("alice was here") == 2, changed.output

    seen = bob.sh(
        "docker run --rm nginx sh -c 'cat /usr/share/nginx/html/index.html; ls / >/dev/null && echo ls-works'"
    )
    assert seen.exit_code == 0, seen.output
    assert WELCOME in seen.output and "ls-works" in seen.output
    assert "alice" not in seen.output


def test_removing_every_image_removes_the_students_links_not_the_shared_layers(alice, bob):
    removed = alice.sh(
        "docker rm -f $(docker ps -aq) >/dev/null 2>&1; docker rmi -f alice-nginx nginx >/dev/null 2>&1; "
        "docker image prune -af >/dev/null && docker images --format '{{.Repository}}'"
    )
    assert removed.exit_code == 0, removed.output
    assert "nginx" not in removed.output

    seen = bob.sh("docker run --rm nginx cat /usr/share/nginx/html/index.html")
    assert seen.exit_code == 0, seen.output
    assert WELCOME in seen.output


def test_an_engine_that_stopped_and_started_again_keeps_the_students_images_and_the_shared_layers(alice):
    kept = alice.sh("docker pull -q redis >/dev/null && docker tag redis my-redis && echo tagged")
    assert "tagged" in kept.output, kept.output
    began = time.monotonic()
    while alice.sh("test -e /run/dockyard/engine-up").exit_code == 0:  # the quiet stop
        assert time.monotonic() - began < QUIET_SECONDS + 30, "the engine did not stop when quiet"
        time.sleep(0.5)

    again = alice.sh("docker run --rm my-redis redis-server --version && docker pull nginx")
    assert again.exit_code == 0, again.output
    assert "Redis server v=" in again.output
    layers = pull_lines(again.output.split("Pulling from library/nginx", 1)[-1])
    assert layers and all(line.endswith(": Already exists") for line in layers), again.output


def test_removing_a_sandbox_leaves_the_shared_layers_for_the_others(published_seed):
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_REAP_INTERVAL_SECONDS=0):
        passing = RunningSandbox("layers-passing")
        passing.remove()
        passing.start()
        passing.remove()
    published_seed.reload()  # NotFound if the removal took it
    assert published_seed.attrs["Name"] == specs.course_layers_volume()


def test_a_shared_image_is_read_whole_by_save_and_push(bob):
    saved = bob.sh("docker pull -q nginx >/dev/null && docker save nginx | tar -tf - | grep -c '^blobs/sha256/.'")
    assert saved.exit_code == 0, saved.output
    assert int(saved.output.strip()) >= 5, saved.output  # the layers, the config, the manifest

    pushed = bob.sh(
        "docker rm -f hub >/dev/null 2>&1; docker run -d --name hub -p 5000:5000 registry:2 >/dev/null && "
        "for i in $(seq 1 50); do curl -fsS localhost:5000/v2/ >/dev/null && break; sleep 0.1; done && "
        "docker tag nginx localhost:5000/web && docker push localhost:5000/web && "
        "docker rmi localhost:5000/web >/dev/null && docker pull localhost:5000/web >/dev/null && "
        "docker run --rm localhost:5000/web cat /usr/share/nginx/html/index.html"
    )
    assert pushed.exit_code == 0, pushed.output
    assert "Pushed" in pushed.output and WELCOME in pushed.output


def test_the_shared_layers_cannot_be_mounted_into_a_students_container(bob):
    """The engine mounts them; the student's engine API refuses every way to name them."""
    attempts = {
        "bind": "docker run --rm -v /var/lib/dockyard-layers:/x busybox ls /x",
        "mount": "docker run --rm --mount type=bind,source=/var/lib/dockyard-layers/data,target=/x busybox ls /x",
        "volume": "docker volume create -o type=none -o o=bind -o device=/var/lib/dockyard-layers layers",
    }
    for way, command in attempts.items():
        result = bob.sh(command)
        assert result.exit_code != 0, (way, result.output)
        assert "authorization denied" in result.output, (way, result.output)
