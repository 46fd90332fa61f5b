"""The pool of pre-started sandboxes: the next student claims one at once."""

import asyncio

import pytest

from sandbox.backends import get_backend, reset_backend_cache
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
