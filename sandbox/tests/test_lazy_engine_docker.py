"""The student's engine starts on first use and stops after a quiet period
(SANDBOX_ENGINE_START=lazy, SANDBOX_ENGINE_QUIET_SECONDS): an idle sandbox's
engine container holds only dockyard-activate, the first request of any kind
(the CLI, or raw bytes on the socket) is answered rather than refused, and an
engine that started again keeps the student's images, containers and walls."""

import time

import pytest
from django.test import override_settings

from sandbox.tests.docker_fixtures import (
    TEST_PREFIX,
    RunningSandbox,
    require_engine_and_images,
    sandbox_container,
    sandbox_fixture,
)

pytestmark = pytest.mark.docker
QUIET_SECONDS = 3
# The guard looks every QUIET_SECONDS / 10 (at least 0.2 s); dockerd then takes a moment to stop.
STOPPED_WITHIN = QUIET_SECONDS + 20
ENGINE_PROGRAMS = {"dockerd", "containerd", "python3"}  # python3: the guard


sandbox = sandbox_fixture("lazy-engine", SANDBOX_ENGINE_START="lazy", SANDBOX_ENGINE_QUIET_SECONDS=QUIET_SECONDS)


def engine_container(sandbox):
    return sandbox_container(sandbox, "engine")


def programs(sandbox) -> set[str]:
    """The program names running in the engine container, read from the host."""
    rows = engine_container(sandbox).top(ps_args="-o pid,comm")["Processes"]
    return {row[-1] for row in rows}


def wait_until_stopped(sandbox) -> float:
    began = time.monotonic()
    while programs(sandbox) & ENGINE_PROGRAMS:
        assert time.monotonic() - began < STOPPED_WITHIN, f"engine still running: {programs(sandbox)}"
        time.sleep(0.5)
    return time.monotonic() - began


def test_an_unused_engine_is_only_its_activator_and_small(sandbox):
    wait_until_stopped(sandbox)  # a module test before may have used it
    assert programs(sandbox) == {"docker-init", "dockyard-activa"}  # comm is cut at 15 characters
    memory = engine_container(sandbox).stats(stream=False)["memory_stats"]
    # As `docker stats` counts it: without the file cache the kernel may drop (the
    # image's files read at start-up, charged to whoever read them first).
    counted = memory["usage"] - memory["stats"].get("total_inactive_file", memory["stats"].get("inactive_file", 0))
    assert counted < 8 * 1024 * 1024, memory
    assert sandbox.sh("test -S /run/dockyard/docker.sock && test ! -e /run/dockyard/engine-up").exit_code == 0


def test_the_first_docker_command_starts_it_and_gets_its_answer(sandbox):
    wait_until_stopped(sandbox)
    result = sandbox.sh("docker version --format '{{.Server.Version}}'")
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("26."), result.output  # the answer, and nothing said on the way
    assert programs(sandbox) >= ENGINE_PROGRAMS
    assert sandbox.sh("test -e /run/dockyard/engine-up").exit_code == 0


def test_raw_requests_on_the_socket_are_answered_while_it_starts(sandbox):
    """Bytes on the socket, not the CLI, start it: nothing waits in the workspace first."""
    wait_until_stopped(sandbox)
    result = sandbox.sh(
        "for i in 1 2 3; do curl -s --max-time 30 --unix-socket /run/dockyard/docker.sock "
        "http://localhost/_ping & done; wait; echo"
    )
    assert result.output.strip() == "OKOKOK", result.output
    # The walls are the same engine's: an old API version is refused at the proxy.
    old = sandbox.sh("curl -s --max-time 30 --unix-socket /run/dockyard/docker.sock http://localhost/v1.23/info")
    assert "API version" in old.output or "not allowed" in old.output, old.output


def test_it_stops_when_quiet_and_comes_back_with_the_students_things(sandbox):
    # The options of the book's commands: dockerd stores defaults of its own beside them
    # (on cgroup v1, a "host" cgroup namespace), which must not read as refused ones.
    made = sandbox.sh(
        "mkdir -p ~/site && docker create --name kept -p 8080:80 -v ~/site:/www -e A=1 -w /www busybox true "
        "&& docker tag busybox mine:1"
    )
    assert made.exit_code == 0, made.output
    waited = wait_until_stopped(sandbox)
    assert waited >= QUIET_SECONDS - 1
    assert sandbox.sh("test ! -e /run/dockyard/engine-up").exit_code == 0
    log = engine_container(sandbox).logs().decode()
    assert "quiet: stopping dockerd until the next use" in log
    listing = sandbox.sh("docker ps -a --format '{{.Names}}'; docker images --format '{{.Repository}}:{{.Tag}}'")
    assert "kept" in listing.output.split() and "mine:1" in listing.output.split(), listing.output
    assert "now refused" not in engine_container(sandbox).logs().decode()
    refused = sandbox.sh("docker run --rm --privileged busybox true")
    assert refused.exit_code != 0 and "not allowed" in refused.output, refused.output


def test_a_running_container_keeps_it_up(sandbox):
    assert sandbox.sh("docker run -d --name sleeper busybox sleep 600").exit_code == 0
    try:
        time.sleep(QUIET_SECONDS + 5)
        assert "dockerd" in programs(sandbox)
        assert sandbox.sh("docker ps --format '{{.Names}}'").output.split() == ["sleeper"]
    finally:
        sandbox.sh("docker rm -f sleeper")


def test_a_student_watching_events_does_not_keep_it_up(sandbox):
    """`docker events` waits for news; the port watcher holds one too."""
    sandbox.sh("(docker events > /tmp/events.log 2>&1 &) ; sleep 1")
    wait_until_stopped(sandbox)


def test_the_terminal_says_the_engine_is_starting_in_the_pages_language(sandbox):
    wait_until_stopped(sandbox)
    workspace = sandbox_container(sandbox, "workspace")
    workspace.exec_run(["sh", "-c", "printf zh-hans > /run/dockyard/language"])
    on_a_terminal = workspace.exec_run(["docker", "version", "--format", "{{.Server.Version}}"], tty=True)
    assert "正在启动你的 Docker 引擎" in on_a_terminal.output.decode(), on_a_terminal.output
    workspace.exec_run(["sh", "-c", "printf en > /run/dockyard/language"])


def test_eager_engines_start_with_the_sandbox():
    require_engine_and_images()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_ENGINE_START="eager"):
        sandbox = RunningSandbox("eager-engine")
        sandbox.remove()
        try:
            sandbox.start()
            assert programs(sandbox) >= ENGINE_PROGRAMS
            assert sandbox.sh("docker version --format '{{.Server.Version}}'").exit_code == 0
        finally:
            sandbox.remove()
