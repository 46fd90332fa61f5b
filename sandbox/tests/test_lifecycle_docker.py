"""Idle reaping and the classroom cap against the real engine."""

import asyncio
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from docker.models.networks import NetworkCollection

from sandbox.backends import get_backend, reset_backend_cache
from sandbox.backends.base import ClassroomFull
from sandbox.models import Sandbox
from sandbox.services import reap_idle_sandboxes, sandbox_key
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def docker_settings(settings):
    require_engine_and_images()
    settings.SANDBOX_NAME_PREFIX = TEST_PREFIX
    settings.SANDBOX_REAP_INTERVAL_SECONDS = 0
    reset_backend_cache()
    yield settings
    reset_backend_cache()


@pytest.fixture
def student(django_user_model, docker_settings):
    user = django_user_model.objects.create_user("idle-student", password="pw-idle-123", id=9100)
    yield user
    asyncio.run(get_backend().remove(sandbox_key(user)))


def test_the_reaper_stops_then_removes_an_idle_sandbox(student, docker_settings):
    docker_settings.SANDBOX_IDLE_STOP_SECONDS = 600
    docker_settings.SANDBOX_IDLE_REMOVE_SECONDS = 3600
    backend = get_backend()
    key = sandbox_key(student)
    asyncio.run(backend.start(key))
    Sandbox.objects.create(user=student, key=key, status="running")

    assert asyncio.run(reap_idle_sandboxes()).stopped == []  # just used: left alone
    assert asyncio.run(backend.poll(key)).status == "running"

    Sandbox.objects.filter(key=key).update(last_activity=timezone.now() - timedelta(minutes=11))
    report = asyncio.run(reap_idle_sandboxes())
    assert report.stopped == [key]
    assert asyncio.run(backend.poll(key)).status == "stopped"
    assert Sandbox.objects.get(key=key).status == "stopped"

    Sandbox.objects.filter(key=key).update(last_activity=timezone.now() - timedelta(hours=2))
    assert asyncio.run(reap_idle_sandboxes()).removed == [key]
    assert asyncio.run(backend.poll(key)).status == "missing"


def test_a_stopped_sandbox_starts_again_with_its_files(student, docker_settings):
    backend = get_backend()
    key = sandbox_key(student)
    asyncio.run(backend.start(key))
    asyncio.run(backend.exec(key, ["sh", "-c", "echo keep-me > ~/notes.txt"]))
    asyncio.run(backend.stop(key))
    asyncio.run(backend.start(key))
    assert asyncio.run(backend.exec(key, ["cat", "/root/notes.txt"])).output.strip() == "keep-me"


def test_a_full_classroom_starts_nothing(student, docker_settings):
    docker_settings.SANDBOX_MAX_RUNNING = 0
    backend = get_backend()
    with pytest.raises(ClassroomFull, match="classroom is full"):
        asyncio.run(backend.start(sandbox_key(student)))
    assert asyncio.run(backend.poll(sandbox_key(student))).status == "missing"


def test_the_classroom_counts_running_sandboxes_against_its_cap(student, docker_settings):
    """Every running engine on the host counts (also other checkouts' on a shared engine)."""
    import docker as docker_sdk

    from sandbox.backends.docker import specs

    running = len(
        docker_sdk.from_env().api.containers(filters={"label": f"{specs.ROLE_LABEL}=engine", "status": "running"})
    )
    backend = get_backend()
    other = "cap-other"
    docker_settings.SANDBOX_MAX_RUNNING = running + 1
    try:
        asyncio.run(backend.start(other))
        with pytest.raises(ClassroomFull, match="classroom is full"):
            asyncio.run(backend.start(sandbox_key(student)))
        asyncio.run(backend.stop(other))
        asyncio.run(backend.start(sandbox_key(student)))  # a stopped sandbox frees its place
    finally:
        asyncio.run(backend.remove(other))


def test_sandboxes_starting_side_by_side_are_counted_before_they_exist(docker_settings):
    """Starts overlap (a class arriving at once), yet the cap holds: the last of four is refused."""
    import docker as docker_sdk

    from sandbox.backends.docker import specs

    running = len(
        docker_sdk.from_env().api.containers(filters={"label": f"{specs.ROLE_LABEL}=engine", "status": "running"})
    )
    docker_settings.SANDBOX_MAX_RUNNING = running + 3
    backend = get_backend()
    keys = [f"side-by-side-{n}" for n in range(4)]

    async def start_all():
        return await asyncio.gather(*(backend.start(key) for key in keys), return_exceptions=True)

    async def answers(key):
        result = await backend.exec(key, ["sh", "-c", "cat /etc/hostname >/dev/null && echo here"])
        return result.output.strip()

    try:
        outcomes = asyncio.run(start_all())
        refused = [outcome for outcome in outcomes if isinstance(outcome, ClassroomFull)]
        started = [key for key, outcome in zip(keys, outcomes, strict=True) if not isinstance(outcome, BaseException)]
        assert len(refused) == 1, outcomes
        assert len(started) == 3, outcomes
        for key in started:
            assert asyncio.run(answers(key)) == "here"
    finally:
        for key in keys:
            asyncio.run(backend.remove(key))


def test_a_crashed_engine_is_restarted_and_the_shell_rejoins_its_network(student, docker_settings):
    import docker as docker_sdk

    backend = get_backend()
    key = sandbox_key(student)
    asyncio.run(backend.start(key))
    docker_sdk.from_env().containers.get(f"{TEST_PREFIX}-{key}-engine").kill()
    assert asyncio.run(backend.poll(key)).status == "stopped"
    asyncio.run(backend.start(key))
    assert asyncio.run(backend.wait_engine_ready(key, 60))
    result = asyncio.run(
        backend.exec(
            key,
            [
                "sh",
                "-c",
                "docker run -d -p 8081:80 busybox sh -c 'mkdir /w; echo rejoined > /w/index.html; httpd -f -p 80 -h /w' >/dev/null && "
                "for i in $(seq 1 50); do curl -fsS localhost:8081 && exit 0; sleep 0.1; done; exit 1",
            ],
        )
    )
    assert result.exit_code == 0 and "rejoined" in result.output, result.output


def test_engine_readiness_is_read_from_this_runs_log_only(student, docker_settings):
    import docker as docker_sdk

    backend, key = get_backend(), sandbox_key(student)
    asyncio.run(backend.start(key))
    assert asyncio.run(backend.wait_engine_ready(key, 60))
    docker_sdk.from_env().containers.get(f"{TEST_PREFIX}-{key}-engine").restart(timeout=1)
    # The previous run said "ready" in the same log; this run has not yet.
    assert not asyncio.run(backend.wait_engine_ready(key, 0))
    assert asyncio.run(backend.wait_engine_ready(key, 60))


def test_a_start_cut_short_by_a_reload_does_not_break_the_next_one(student, docker_settings, monkeypatch):
    """The page that asked for a cold start goes away (a reload, a language switch)
    while the engine creates the sandbox's network, and the next page asks again at
    once: the sandbox starts, once. (It failed with "networks have same bridge
    name": the first start's calls went on in their thread beside the second's.)"""
    backend = get_backend()
    key = sandbox_key(student)
    asyncio.run(backend.remove(key))
    backend.networks.ensure_host_firewall()  # as in a server that started sandboxes before
    create_network = NetworkCollection.create
    creating: list = []  # (loop, event) of the test, set once the first create began

    def busy_engine_create(self, *args, **kwargs):
        if creating:
            loop, began = creating.pop()
            loop.call_soon_threadsafe(began.set)
        time.sleep(0.5)  # a busy Docker host
        return create_network(self, *args, **kwargs)

    monkeypatch.setattr(NetworkCollection, "create", busy_engine_create)

    async def reload_while_starting():
        began = asyncio.Event()
        creating.append((asyncio.get_running_loop(), began))
        first = asyncio.create_task(backend.start(key))
        await began.wait()
        first.cancel()  # the page went away
        return await backend.start(key)

    info = asyncio.run(reload_while_starting())
    assert info.status == "running"
    assert asyncio.run(backend.poll(key)).status == "running"
    result = asyncio.run(backend.exec(key, ["echo", "answers"]))
    assert (result.exit_code, result.output.strip()) == (0, "answers")
    from sandbox.backends.docker import specs

    networks = backend.client.networks.list(names=[specs.Names(key).network])
    assert [n.name for n in networks] == [specs.Names(key).network]  # one network, not two


def test_the_operator_sees_each_running_sandbox_and_what_memory_it_holds(student, docker_settings):
    """`manage.py status` reads backend.list() and memory_usage(): one list call each."""
    backend = get_backend()
    key = sandbox_key(student)
    asyncio.run(backend.start(key))
    listed = {info.key: info for info in asyncio.run(backend.list())}
    assert listed[key].status == "running"
    assert listed[key].state["engine_id"] == asyncio.run(backend.poll(key)).state["engine_id"]
    memory = asyncio.run(backend.memory_usage())
    assert 1 << 20 < memory[key] < 1 << 30, memory  # a shell and an idle engine: MiBs, not nothing

    asyncio.run(backend.stop(key))
    assert {info.key: info.status for info in asyncio.run(backend.list())}[key] == "stopped"
    assert key not in asyncio.run(backend.memory_usage())
