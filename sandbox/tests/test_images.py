"""The sandbox images, built by `manage.py build_images` on the real engine."""

import io

import docker
import pytest
from django.core.management import call_command

from sandbox.backends.docker.images import INPUTS_LABEL, base_image, busybox_image
from sandbox.backends.docker.specs import image
from sandbox.tests.docker_fixtures import require_engine_and_images

pytestmark = pytest.mark.docker

WORKSPACE_TOOLS = "bash tmux curl less nano vim ip ps git docker"


@pytest.fixture(scope="module")
def client():
    require_engine_and_images()
    return docker.from_env()


def build_images() -> str:
    out = io.StringIO()
    call_command("build_images", stdout=out)
    return out.getvalue()


def test_a_second_build_skips_everything(client):
    build_images()  # brings anything stale up to date
    output = build_images()
    assert f"[base] {base_image()} exists, skipping" in output
    for role in ("busybox", "engine", "workspace"):
        assert f"[{role}] {image(role) if role != 'busybox' else busybox_image()} is up to date, skipping" in output
    assert "Step " not in output, output
    assert output.rstrip().endswith("All images are up to date.")


def test_built_images_carry_the_inputs_hash(client):
    for name in (busybox_image(), image("engine"), image("workspace")):
        assert len(client.images.get(name).labels[INPUTS_LABEL]) == 32
    assert client.images.get(base_image())


def test_the_workspace_has_the_students_tools(client):
    output = client.containers.run(
        image("workspace"),  # dash's `command -v` reports only its first argument: ask one by one.
        ["sh", "-c", f"for t in {WORKSPACE_TOOLS}; do command -v $t || exit 1; done; /usr/bin/docker --version"],
        remove=True,
    ).decode()
    for tool in WORKSPACE_TOOLS.split():
        assert f"/{tool}\n" in output, output
    assert "/usr/local/bin/docker" in output  # the waiting wrapper comes first
    assert "Docker version 26." in output


def test_the_workspace_shell_is_configured(client):
    output = client.containers.run(
        image("workspace"),
        [
            "bash",
            "-c",
            "tmux -f /etc/tmux.conf start-server \\; show -g history-limit \\; "
            "show -g default-terminal \\; show -sg escape-time; echo LANG=$LANG; grep -c Dockyard /etc/bash.bashrc",
        ],
        remove=True,
    ).decode()
    assert "history-limit 10000" in output
    assert "xterm-256color" in output
    assert "escape-time 0" in output
    assert "LANG=C.UTF-8" in output


def test_the_seed_busybox_is_static_and_tiny(client):
    seed = client.images.get(busybox_image())
    assert seed.attrs["Size"] < 5_000_000
    assert seed.labels["org.opencontainers.image.description"] == "built locally by Dockyard"
    assert client.containers.run(busybox_image(), ["sh", "-c", "echo ok"], remove=True) == b"ok\n"


def test_the_wrapper_waits_for_the_engine_with_one_message(client):
    container = client.containers.run(
        image("workspace"),
        ["timeout", "1", "docker", "version"],
        detach=True,
        environment={"DOCKER_HOST": "unix:///run/dockyard/nothing.sock"},
    )
    try:
        assert container.wait(timeout=30)["StatusCode"] == 124  # still waiting when timeout struck
        output = container.logs().decode()
    finally:
        container.remove(force=True)
    assert output.count("Waiting for your Docker engine to start") == 1, output


def test_the_wrapper_does_not_wait_for_commands_that_need_no_engine(client):
    output = client.containers.run(
        image("workspace"),
        ["timeout", "5", "docker", "--version"],
        remove=True,
        environment={"DOCKER_HOST": "unix:///run/dockyard/nothing.sock"},
    ).decode()
    assert output.startswith("Docker version 26.")


def test_the_wrapper_runs_the_cli_at_once_while_the_engine_serves(client):
    """engine-up (the guard's, while it serves): no ping first. Here no socket
    answers, so the CLI itself says so at once instead of the wrapper waiting."""
    container = client.containers.run(
        image("workspace"),
        ["sh", "-c", "mkdir -p /run/dockyard && touch /run/dockyard/engine-up && exec timeout 5 docker version"],
        detach=True,
        environment={"DOCKER_HOST": "unix:///run/dockyard/docker.sock"},  # the student's socket
    )
    try:
        status = container.wait(timeout=30)["StatusCode"]
        output = container.logs().decode()
    finally:
        container.remove(force=True)
    assert status == 1, output  # the CLI's own failure, not timeout's 124
    assert "Waiting for your Docker engine" not in output
    assert "Cannot connect to the Docker daemon at unix:///run/dockyard/docker.sock" in output
