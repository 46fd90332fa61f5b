"""The real engine container, with the lead's options: the plugin refuses what
it must through the real docker CLI, and the book's ordinary commands work."""

import time

import docker
import pytest
from django.test import override_settings

from sandbox.backends.docker import DockerBackend
from sandbox.backends.docker.specs import SOCKET_PATH, Names, engine_options
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images

pytestmark = pytest.mark.docker

DENIED = "authorization denied by plugin dockyard-authz: Dockyard: "


class Engine:
    def __init__(self, container):
        self.container = container

    def sh(self, script: str) -> tuple[int, str]:
        result = self.container.exec_run(["sh", "-c", script], environment={"DOCKER_HOST": f"unix://{SOCKET_PATH}"})
        return result.exit_code, result.output.decode(errors="replace")

    def refused(self, script: str) -> str:
        code, output = self.sh(script)
        assert code != 0, output
        assert DENIED in output, output
        return output

    def ok(self, script: str) -> str:
        code, output = self.sh(script)
        assert code == 0, output
        return output


def _remove(client, names: Names):
    for name in (names.engine,):
        try:
            client.containers.get(name).remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
    for purpose in ("docker", "run", "home"):
        try:
            client.volumes.get(names.volume(purpose)).remove(force=True)
        except docker.errors.NotFound:
            pass
    try:
        client.networks.get(names.network).remove()
    except docker.errors.NotFound:
        pass


@pytest.fixture(scope="module")
def engine():
    require_engine_and_images()
    client = docker.from_env()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        names = Names("authztest")
        _remove(client, names)
        DockerBackend(client).networks.ensure_network(names)  # its own small subnet, as sandboxes get
        try:
            container = client.containers.run(**engine_options(names))
            deadline = time.monotonic() + 60
            while container.exec_run(["docker", "-H", f"unix://{SOCKET_PATH}", "info"]).exit_code != 0:
                assert time.monotonic() < deadline, client.api.logs(container.id).decode()
                time.sleep(0.2)
            yield Engine(container)
        finally:
            _remove(client, names)


# --- refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags,message",
    [
        ("--privileged", "--privileged is not allowed"),
        ("--cap-add SYS_ADMIN", "--cap-add is not allowed"),
        ("--security-opt seccomp=unconfined", "--security-opt=seccomp=unconfined is not allowed"),
        ("--security-opt apparmor=unconfined", "--security-opt=apparmor=unconfined is not allowed"),
        # The CLI turns this into HostConfig.MaskedPaths = [] rather than a SecurityOpt.
        ("--security-opt systempaths=unconfined", "changing the masked /proc paths is not allowed"),
        ("--device /dev/fuse", "--device is not allowed"),
        ("--device-cgroup-rule 'a *:* rwm'", "--device-cgroup-rule is not allowed"),
        ("--pid host", "--pid=host is not allowed"),
        ("--ipc host", "--ipc=host is not allowed"),
        ("--uts host", "--uts=host is not allowed"),
        ("--userns host", "--userns=host is not allowed"),
        ("--cgroupns host", "--cgroupns=host is not allowed"),
        ("--sysctl net.ipv4.ip_forward=1", "--sysctl is not allowed"),
        ("-v /:/host", "bind mounts from outside /root"),
        ("-v /root/../etc:/host", "bind mounts from outside /root"),
        ("--mount type=bind,source=/run,target=/host", "bind mounts from outside /root"),
        (
            "--mount type=volume,target=/h,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/",
            "volumes that mount host paths",
        ),
        ("--cgroup-parent /", "--cgroup-parent is not allowed"),
        ("--runtime runsc", "--runtime=runsc is not allowed"),
        ("--log-driver syslog", "--log-driver=syslog is not allowed"),
        ("--mount type=bind,source=/root,target=/h,bind-propagation=rshared", "bind propagation"),
        ("--oom-kill-disable", "--oom-kill-disable is not allowed"),
    ],
)
def test_it_refuses_docker_run(engine, flags, message):
    assert message in engine.refused(f"docker run --rm {flags} busybox true")


def test_it_refuses_binds_through_symlinks(engine):
    engine.ok("rm -rf /root/escape && ln -s / /root/escape")
    assert "symlinks leading outside /root" in engine.refused("docker run --rm -v /root/escape:/host busybox true")


def test_a_symlink_swapped_in_after_create_is_not_followed(engine):
    """The kernel (nosymfollow on /root) closes the race the plugin cannot see."""
    engine.ok(
        "rm -rf /root/swap && mkdir /root/swap && docker create --name swap -v /root/swap:/host busybox ls /host/run"
    )
    engine.ok("rmdir /root/swap && ln -s / /root/swap")
    code, output = engine.sh("docker start -a swap")
    engine.sh("docker rm -f swap; rm -f /root/swap")
    assert code != 0, output
    assert "containerd" not in output, output  # /run of the engine stayed out of reach


def test_it_refuses_volume_create_binding_a_host_path(engine):
    output = engine.refused("docker volume create --opt type=none --opt o=bind --opt device=/ evil")
    assert "volumes that mount host paths" in output


def test_it_refuses_privileged_exec(engine):
    engine.ok("docker run -d --name idle busybox sleep 300")
    try:
        assert "docker exec --privileged" in engine.refused("docker exec --privileged idle true")
    finally:
        engine.sh("docker rm -f idle")


def test_it_refuses_swarm(engine):
    assert "swarm mode" in engine.refused("docker swarm init")
    assert "swarm mode" in engine.refused("docker service ls")


def test_it_refuses_plugins(engine):
    assert "Docker plugins are not allowed" in engine.refused("docker plugin ls")


def test_it_refuses_networks_on_the_engines_own_interfaces(engine):
    output = engine.refused("docker network create -d macvlan -o parent=eth0 lan")
    assert "network drivers other than bridge" in output


def test_it_refuses_old_api_versions(engine):
    # The guard's proxy answers before dockerd does; a 1.23 client shows the message raw.
    code, output = engine.sh("DOCKER_API_VERSION=1.23 docker ps")
    assert code != 0
    assert "Dockyard: API version 1.23 is not allowed in the classroom sandbox" in output


# --- allowed --------------------------------------------------------------------------


def test_docker_run_prints_hello(engine):
    assert "hello" in engine.ok("docker run --rm busybox echo hello")


def test_docker_build_works(engine):
    engine.ok("mkdir -p /root/build && printf 'FROM busybox\\nRUN echo built > /built\\n' > /root/build/Dockerfile")
    engine.ok("docker build -t built /root/build")
    assert "built" in engine.ok("docker run --rm built cat /built")


def test_published_port_and_home_bind_work(engine):
    engine.ok("mkdir -p /root/site && echo dockyard-site > /root/site/index.html")
    engine.ok("docker run -d --name web -p 8080:80 -v /root/site:/www busybox httpd -f -p 80 -h /www")
    try:
        # From the engine's network namespace (shared with the workspace) ...
        output = engine.ok("docker run --rm --network host busybox wget -qO- localhost:8080")
        assert "dockyard-site" in output
        # ... and from another nested container, by name on a user network.
        engine.ok("docker network create app && docker network connect app web")
        assert "dockyard-site" in engine.ok("docker run --rm --network app busybox wget -qO- web:80")
    finally:
        engine.sh("docker rm -f web; docker network rm app")


def test_named_volumes_and_exec_work(engine):
    engine.ok("docker volume create data")
    engine.ok("docker run --rm -v data:/data busybox sh -c 'echo kept > /data/f'")
    assert "kept" in engine.ok("docker run --rm -v data:/data busybox cat /data/f")
    engine.ok("docker run -d --name idle2 busybox sleep 300")
    try:
        assert "in-exec" in engine.ok("docker exec idle2 echo in-exec")
    finally:
        engine.sh("docker rm -f idle2; docker volume rm data")
