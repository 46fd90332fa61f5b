"""Each sandbox has a disk of its own size (SANDBOX_DISK_LIMIT): the student
fills it and gets "No space left on device" inside, whatever writes (the
shell, a nested container, a build); the host loses no more than the limit;
other sandboxes write on."""

import os
import re

import docker
import pytest
from django.test import override_settings

from sandbox.backends.docker.specs import Names
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, require_engine_and_images

pytestmark = pytest.mark.docker
LIMIT = 512 << 20


def _started(key: str) -> RunningSandbox:
    sandbox = RunningSandbox(key)
    sandbox.remove()
    sandbox.start()
    return sandbox


@pytest.fixture(scope="module")
def small_disks():
    require_engine_and_images()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_DISK_LIMIT=LIMIT):
        filler, neighbour = _started("disk-filler"), _started("disk-neighbour")
        try:
            yield filler, neighbour
        finally:
            filler.remove()
            neighbour.remove()


def host_free_bytes() -> int:
    stats = os.statvfs("/var/lib/docker")
    return stats.f_bavail * stats.f_frsize


def test_filling_the_home_folder_stops_at_the_limit(small_disks):
    filler, _ = small_disks
    before = host_free_bytes()
    result = filler.sh(
        "fallocate -l 30G ~/huge; echo; dd if=/dev/zero of=~/more bs=1M count=2000 2>&1 | tail -1; df -B1 --output=used,size ~ | tail -1"
    )
    assert "No space left on device" in result.output, result.output
    used, size = (int(n) for n in result.output.split()[-2:])
    assert size <= LIMIT and used >= size * 0.95
    assert before - host_free_bytes() < LIMIT + (64 << 20)  # the host lost at most the sandbox's disk
    assert filler.sh("rm -f ~/huge ~/more && echo freed").output.strip().endswith("freed")


def test_a_nested_container_and_a_build_hit_the_same_limit(small_disks):
    filler, _ = small_disks
    result = filler.sh("docker run --rm busybox dd if=/dev/zero of=/fill bs=1M count=2000 2>&1 | tail -3")
    assert "No space left on device" in result.output, result.output
    result = filler.sh(
        "mkdir -p ~/big && cd ~/big && printf 'FROM busybox\\nRUN dd if=/dev/zero of=/fill bs=1M count=2000\\n' > Dockerfile "
        "&& docker build --progress=plain . 2>&1 | grep -m1 'No space left on device'"
    )
    assert "No space left on device" in result.output, result.output
    assert (
        filler.sh("docker system prune -af >/dev/null && rm -rf ~/big && docker run --rm busybox echo room-again")
        .output.strip()
        .endswith("room-again")
    )


def test_the_workspace_writes_nowhere_else(small_disks):
    filler, _ = small_disks
    result = filler.sh(
        "touch /usr/local/x 2>&1; touch /etc/x 2>&1; dd if=/dev/zero of=/tmp/x bs=1M count=200 2>&1 | tail -4; rm -f /tmp/x"
    )
    assert result.output.count("Read-only file system") == 2, result.output
    assert "No space left on device" in result.output, result.output


def test_what_the_student_writes_to_the_workspaces_own_output_is_kept_nowhere(small_disks):
    filler, _ = small_disks
    result = filler.sh("head -c 8M /dev/zero | timeout 20 tee /proc/1/fd/1 /proc/1/fd/2 >/dev/null && echo written")
    assert result.output.strip().endswith("written"), result.output
    workspace = docker.from_env().containers.get(Names(filler.key).workspace)
    assert workspace.attrs["LogPath"] == "", workspace.attrs["LogPath"]
    assert workspace.attrs["HostConfig"]["LogConfig"]["Type"] == "none"


def test_other_sandboxes_write_on(small_disks):
    filler, neighbour = small_disks
    filler.sh("fallocate -l 30G ~/huge")
    try:
        result = neighbour.sh("dd if=/dev/zero of=~/fine bs=1M count=100 2>&1 | tail -1 && rm ~/fine && echo wrote")
        assert result.output.strip().endswith("wrote"), result.output
    finally:
        filler.sh("rm -f ~/huge")


def test_the_disk_comes_back_with_its_files_after_a_reboot(small_disks):
    """A reboot unmounts every disk; the next start mounts it again before the engine writes."""
    _, neighbour = small_disks
    assert neighbour.sh("echo kept > ~/note && docker volume create survives >/dev/null").exit_code == 0
    neighbour.run(neighbour.backend.stop(neighbour.key))
    from sandbox.backends.docker import disks as docker_disks

    neighbour.backend.disks.run(docker_disks.command('umount "$1"', docker_disks.mount_point(neighbour.key)))
    neighbour.start()
    result = neighbour.sh("cat ~/note && docker volume ls -q && df --output=source ~ | tail -1")
    assert "kept" in result.output and "survives" in result.output, result.output
    assert "/dev/loop" in result.output


@pytest.mark.django_db
def test_the_instructor_sees_each_disk_in_use(small_disks, client, teacher, alice):
    from sandbox.backends import reset_backend_cache
    from sandbox.models import Sandbox

    filler, _ = small_disks
    filler.sh("fallocate -l 100M ~/some")
    Sandbox.objects.create(user=alice, key=filler.key, status="running")
    reset_backend_cache()
    client.force_login(alice)
    assert client.get("/sandbox/sandboxes/").status_code == 403  # students may not
    client.force_login(teacher)
    page = client.get("/sandbox/sandboxes/").content.decode()
    assert "alice" in page
    row = page[page.find("<td>alice</td>") :][:600]
    assert "running" in row and "<meter" in row, row
    assert re.search(r"10[0-9].[0-9]\xa0MB / 4[0-9][0-9].[0-9]\xa0MB", row), row
    filler.sh("rm -f ~/some")
