"""A real sandbox, as a student uses it from the workspace shell: the book's
nested Docker commands work, and the ways out of the sandbox are closed."""

import docker
import pytest

from sandbox.tests.docker_fixtures import TEST_PREFIX, sandbox_fixture

pytestmark = pytest.mark.docker

sandbox = sandbox_fixture("nested")
neighbour = sandbox_fixture("neighbour")


def test_docker_run_prints_the_containers_output(sandbox):
    result = sandbox.sh("docker run --rm busybox echo hello from a nested container")
    assert result.exit_code == 0, result.output
    assert "hello from a nested container" in result.output


def test_a_two_line_docker_build_succeeds(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/build && cd ~/build && "
        "printf 'FROM busybox\\nRUN echo built > /built.txt\\n' > Dockerfile && "
        "docker build -t lesson/built . && docker run --rm lesson/built cat /built.txt"
    )
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("built")


def test_a_published_port_answers_on_localhost(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/site && echo 'hello from port 8080' > ~/site/index.html && "
        "docker rm -f web >/dev/null 2>&1; "
        "docker run -d --name web -p 8080:80 -v ~/site:/www busybox httpd -f -p 80 -h /www >/dev/null && "
        "for i in $(seq 1 50); do curl -fsS localhost:8080 && exit 0; sleep 0.1; done; exit 1"
    )
    assert result.exit_code == 0, result.output
    assert "hello from port 8080" in result.output


def test_a_home_directory_bind_mount_is_shared(sandbox):
    result = sandbox.sh(
        "mkdir -p ~/dir && echo from-the-workspace > ~/dir/note && "
        "docker run --rm -v ~/dir:/dir busybox sh -c 'cat /dir/note; echo from-the-container > /dir/reply' && "
        "cat ~/dir/reply"
    )
    assert result.exit_code == 0, result.output
    assert "from-the-workspace" in result.output and "from-the-container" in result.output


def test_mounting_a_fresh_proc_fails(sandbox):
    result = sandbox.sh("mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo MOUNTED")
    assert result.exit_code != 0
    assert "MOUNTED" not in result.output
    assert "permission denied" in result.output.lower()


def test_proc_sys_is_read_only(sandbox):
    result = sandbox.sh("echo '|/tmp/x' > /proc/sys/kernel/core_pattern && echo WROTE")
    assert result.exit_code != 0
    assert "WROTE" not in result.output
    assert "read-only file system" in result.output.lower()


def test_the_host_docker_socket_is_never_mounted(sandbox):
    client = docker.from_env()
    for role in ("engine", "workspace"):
        attrs = client.containers.get(f"{TEST_PREFIX}-nested-{role}").attrs
        assert attrs["HostConfig"]["Privileged"] is False
        # Named volumes only: no bind of any host path.
        assert all(not bind.startswith("/") for bind in attrs["HostConfig"].get("Binds") or [])
        assert all(mount["Type"] == "volume" for mount in attrs["Mounts"])
        assert not any("docker.sock" in (mount.get("Source") or "") for mount in attrs["Mounts"])


def test_the_student_is_not_the_hosts_engine(sandbox):
    result = sandbox.sh("docker ps --format '{{.Names}}'; docker info --format '{{.Name}}'")
    assert result.exit_code == 0, result.output
    assert "dockyard" not in result.output  # the host's sandbox containers are invisible


def test_one_student_cannot_reach_anothers_sandbox(sandbox, neighbour):
    served = neighbour.sh(
        "docker run -d -p 8080:80 busybox sh -c 'mkdir /w; echo neighbour > /w/index.html; httpd -f -p 80 -h /w' >/dev/null && "
        "for i in $(seq 1 50); do curl -fsS localhost:8080 && exit 0; sleep 0.1; done; exit 1"
    )
    assert served.exit_code == 0 and "neighbour" in served.output, served.output
    address = neighbour.sh("hostname -i").output.split()[0]
    probe = sandbox.sh(f"curl -sS --max-time 3 http://{address}:8080/")
    assert probe.exit_code != 0
    assert "neighbour" not in probe.output


def test_docker_exec_and_top_work_on_a_process_that_dropped_root(sandbox):
    result = sandbox.sh(
        "docker rm -f cache >/dev/null 2>&1; docker run -d --name cache redis >/dev/null && "
        "for i in $(seq 1 50); do docker exec cache redis-cli ping 2>/dev/null && break; sleep 0.2; done; "
        "docker top cache"
    )
    assert result.exit_code == 0, result.output
    assert "PONG" in result.output
    assert "redis-server" in result.output
