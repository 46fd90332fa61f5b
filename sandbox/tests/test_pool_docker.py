"""The pool of pre-started sandboxes: the next student claims one at once."""

import asyncio

import pytest
from django.conf import settings

from sandbox.backends import get_backend, reset_backend_cache
from sandbox.backends.docker import specs
from sandbox.backends.docker.backend import DockerBackend
from sandbox.backends.docker.specs import is_pool_key
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images

pytestmark = pytest.mark.docker
STUDENT = "u9160"
SECOND_STUDENT = "u9161"


@pytest.fixture
def pooled(settings):
    require_engine_and_images()
    settings.SANDBOX_NAME_PREFIX = TEST_PREFIX
    settings.SANDBOX_POOL_SIZE = 1
    reset_backend_cache()
    backend = get_backend()

    async def clean():
        for info in await backend.list():
            if is_pool_key(info.key) or info.key in (STUDENT, SECOND_STUDENT):
                await backend.remove(info.key)

    asyncio.run(clean())
    yield backend
    settings.SANDBOX_POOL_SIZE = 0
    # A refill may still be creating containers in the backend's threads (its
    # event loop is gone): let it finish, then remove with a fresh backend.
    backend.engine.shutdown()
    reset_backend_cache()
    backend = get_backend()
    asyncio.run(clean())
    reset_backend_cache()


def test_a_student_claims_a_waiting_sandbox_and_the_pool_refills(pooled):
    async def scenario():
        assert await pooled.fill_pool() == 1
        (waiting,) = [info for info in await pooled.list() if is_pool_key(info.key)]
        steps = []

        async def progress(step):
            steps.append(step)

        claimed = await pooled.start(STUDENT, progress)
        assert steps == ["pool"]
        assert claimed.state["engine_id"] == waiting.state["engine_id"]  # the same, already running
        assert await pooled.wait_engine_ready(STUDENT, 5)
        result = await pooled.exec(STUDENT, ["sh", "-c", "docker run --rm busybox echo from-the-pool"])
        assert "from-the-pool" in result.output

        for _ in range(120):  # the refill runs in the background
            keys = [info.key for info in await pooled.list() if info.status == "running"]
            if any(is_pool_key(key) for key in keys):
                break
            await asyncio.sleep(0.5)
        assert STUDENT in keys
        assert [key for key in keys if is_pool_key(key)] and waiting.key not in keys

        await pooled.remove(STUDENT)
        assert (await pooled.poll(STUDENT)).status == "missing"

    asyncio.run(scenario())


def test_removing_a_claimed_sandbox_leaves_no_volume_or_network(pooled):
    import docker

    async def scenario():
        await pooled.fill_pool()
        (waiting,) = [info for info in await pooled.list() if is_pool_key(info.key)]
        await pooled.start(STUDENT)
        await pooled.remove(STUDENT)
        return waiting.key

    pool_key = asyncio.run(scenario())
    client = docker.from_env()
    assert not client.volumes.list(filters={"name": f"{TEST_PREFIX}-{pool_key}"})
    assert not client.networks.list(names=[f"{TEST_PREFIX}-{pool_key}-net"])


def test_two_students_at_once_claim_two_sandboxes_and_the_pool_refills_to_its_size(pooled, settings):
    """Claims run side by side. The refill starts new sandboxes: it used to claim
    the one still waiting under a new pool key, and the pool stayed short."""
    settings.SANDBOX_POOL_SIZE = 3

    async def scenario():
        assert await pooled.fill_pool() == 3
        waiting = {info.state["engine_id"] for info in await pooled.list() if is_pool_key(info.key)}
        first, second = await asyncio.gather(pooled.start(STUDENT), pooled.start(SECOND_STUDENT))
        assert first.state["engine_id"] != second.state["engine_id"]
        assert {first.state["engine_id"], second.state["engine_id"]} < waiting
        for student in (STUDENT, SECOND_STUDENT):
            result = await pooled.exec(student, ["sh", "-c", "hostname; docker version --format ok"])
            assert result.exit_code == 0 and result.output.splitlines()[-1] == "ok", result.output

        for _ in range(180):  # the refill starts once claims have paused
            pool = [info for info in await pooled.list() if is_pool_key(info.key) and info.status == "running"]
            if len(pool) >= 3:
                break
            await asyncio.sleep(0.5)
        assert len(pool) == 3, pool
        assert not {info.state["engine_id"] for info in pool} & {first.state["engine_id"], second.state["engine_id"]}
        await asyncio.sleep(1)  # and it stops there
        assert len([info for info in await pooled.list() if is_pool_key(info.key)]) == 3

    asyncio.run(scenario())


async def read_until(stream, needle: bytes, timeout: float) -> bytes:
    seen = b""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            chunk = await stream.read(65536)
            assert chunk, f"the shell ended; it printed {seen[-300:]!r}"
            seen += chunk
    return seen


def workspace_execs(backend, key):
    """The execs running in the workspace (the engine's ExecIDs)."""
    return backend.engine.api.inspect_container(specs.Names(key).workspace)["ExecIDs"] or []


def test_a_claimed_sandbox_s_first_terminal_is_the_shell_attached_when_the_pool_filled(pooled):
    """No attach of its own when the student arrives (round nine: the start's tail under load)."""

    async def scenario():
        await pooled.fill_pool()
        (waiting,) = [info.key for info in await pooled.list() if is_pool_key(info.key)]
        attached_ahead = workspace_execs(pooled, waiting)
        assert len(attached_ahead) == 1  # dockyard-shell attach, made by the fill
        await pooled.start(STUDENT)
        shell = await pooled.open_terminal(STUDENT, cols=100, rows=30, language="zh-hans")
        try:
            assert workspace_execs(pooled, STUDENT) == attached_ahead
            await read_until(shell, b"# ", 20)  # the prompt printed while it waited
            await shell.write(b"stty size; echo $((6*7))\r")
            seen = await read_until(shell, b"42\r\n", 20)
            assert b"30 100\r\n" in seen  # the page's size, not the fill's 80x24
            # The guard's language: the site's, written by the attach, then the page's.
            language = ["cat", specs.LANGUAGE_FILE]
            assert (await pooled.exec(STUDENT, language)).output == settings.LANGUAGE_CODE
            await pooled.set_language(STUDENT, "zh-hans")
            assert (await pooled.exec(STUDENT, language)).output == "zh-hans"
        finally:
            await shell.close()

    asyncio.run(scenario())


def test_a_shell_attached_ahead_never_holds_up_a_student_who_claimed_it_in_another_process(pooled):
    """The holder paces its shell by its slowest client: the fill's attachment,
    unread, would stop a student's output elsewhere for a minute."""

    async def scenario():
        await pooled.fill_pool()
        elsewhere = DockerBackend()  # another app process's backend: no shell attached ahead
        await elsewhere.start(STUDENT)
        shell = await elsewhere.open_terminal(STUDENT, cols=80, rows=24)
        try:
            assert len(workspace_execs(pooled, STUDENT)) == 2  # the fill's and this one
            await shell.write(b"seq 1 400000; echo done-$((6*7))\r")
            await read_until(shell, b"done-42", 60)
            assert len(workspace_execs(pooled, STUDENT)) == 1  # the fill's let go
        finally:
            await shell.close()

    asyncio.run(scenario())
