"""SANDBOX_ENGINE_MODE=rootless: the nested dockerd runs as an unprivileged user
under rootlesskit, so a nested container's root is an ordinary user of the
host without any capability outside its own user namespace. The book's
commands still work; the walls of the default mode stay."""

import json

import pytest

from sandbox.tests.docker_fixtures import sandbox_container, sandbox_fixture

pytestmark = pytest.mark.docker
ROOTLESS_UID = 200000


sandbox = sandbox_fixture("rootless", SANDBOX_ENGINE_MODE="rootless")


def engine(sandbox):
    return sandbox_container(sandbox, "engine")


def test_the_engine_runs_rootless(sandbox):
    info = sandbox.sh("docker info --format '{{json .SecurityOptions}}'")
    assert "rootless" in info.output, info.output
    processes = engine(sandbox).exec_run(["ps", "-eo", "user:12,comm"]).output.decode()
    dockerd = [line for line in processes.splitlines() if line.split()[-1] == "dockerd"]
    assert dockerd and all(line.split()[0] == "dockyard" for line in dockerd), processes


def test_the_books_commands_work(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/site && echo rootless-site > ~/site/index.html && docker rm -f web >/dev/null 2>&1; "
        "docker run -d --name web -p 80:80 -v ~/site:/www busybox httpd -f -p 80 -h /www >/dev/null && "
        "for i in $(seq 1 50); do curl -fs localhost:80 && break; sleep 0.1; done; "
        "printf 'FROM busybox\\nRUN echo built > /b\\n' | docker build -q -t rl - >/dev/null && docker run --rm rl cat /b; "
        "docker exec web cat /www/index.html; docker run --rm -v data:/d busybox sh -c 'echo v > /d/f && cat /d/f'"
    )
    assert result.output.split() == ["rootless-site", "built", "rootless-site", "v"], result.output


def test_a_nested_root_is_an_ordinary_user_of_the_host(sandbox):
    result = sandbox.sh(
        "docker rm -f probe >/dev/null 2>&1; docker run -d --name probe busybox sleep 300 >/dev/null; "
        "docker inspect --format '{{.State.Pid}}' probe"
    )
    pid = result.output.strip().splitlines()[-1]
    status = engine(sandbox).exec_run(["cat", f"/proc/{pid}/status"]).output.decode()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1:] == [str(ROOTLESS_UID)] * 4, uid_line
    # Its capabilities exist in its own user namespace only: as the host sees it, none.
    uid_map = sandbox.sh("docker exec probe cat /proc/self/uid_map").output.split()
    assert uid_map[:3] == ["0", str(ROOTLESS_UID), "1"], uid_map
    sandbox.sh("docker rm -f probe")


def test_the_escape_stays_closed(sandbox):
    sandbox.sh("docker rm -f x >/dev/null 2>&1; docker create --name x busybox true >/dev/null")
    body = json.dumps({"CapAdd": ["SYS_ADMIN"], "SecurityOpt": ["seccomp=unconfined"], "MaskedPaths": []})
    result = sandbox.sh(
        f"curl -s --unix-socket /run/dockyard/docker.sock -H 'Content-Type: application/json' "
        f"-d '{body}' http://x/v1.23/containers/x/start"
    )
    assert "API version 1.23 is not allowed" in result.output, result.output
    assert "--privileged is not allowed" in sandbox.sh("docker run --rm --privileged busybox true").output
