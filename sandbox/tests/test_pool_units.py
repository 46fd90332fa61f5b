"""The pool's claims and refills against a fake engine (no Docker needed); the
real engine's pool is in test_pool_docker.py."""

import asyncio

import pytest
from docker.errors import APIError, NotFound

from sandbox.backends.base import RUNNING, STOPPED, SandboxInfo
from sandbox.backends.docker import pool as pool_module
from sandbox.backends.docker import specs
from sandbox.backends.docker.pool import SandboxPool
from sandbox.backends.docker.warm_shells import WarmShells


class FakeApi:
    """Containers as the engine lists them; renames as atomic as the engine's."""

    def __init__(self):
        self.containers_by_id: dict[str, dict] = {}
        self.renames: list[tuple[str, str]] = []

    def add_sandbox(self, key: str, engine_state="running", joined=True):
        names = specs.Names(key)
        engine_id, workspace_id = f"{key}-e", f"{key}-w"
        self.containers_by_id[engine_id] = {
            "Id": engine_id,
            "Names": [f"/{names.engine}"],
            "State": engine_state,
            "Labels": {specs.LABEL: key, specs.ROLE_LABEL: "engine"},
            "HostConfig": {"NetworkMode": "bridge"},
        }
        self.containers_by_id[workspace_id] = {
            "Id": workspace_id,
            "Names": [f"/{names.workspace}"],
            "State": "running",
            "Labels": {specs.LABEL: key, specs.ROLE_LABEL: "workspace"},
            "HostConfig": {"NetworkMode": f"container:{engine_id if joined else 'gone'}"},
        }

    def containers(self, all=False, filters=None):
        running_only = (filters or {}).get("status") == "running"
        return [dict(c) for c in self.containers_by_id.values() if not running_only or c["State"] == "running"]

    def find(self, id_or_name):
        for c in self.containers_by_id.values():
            if c["Id"] == id_or_name or f"/{id_or_name}" in c["Names"]:
                return c
        return None

    def rename(self, id_or_name, name):
        container = self.find(id_or_name)
        if container is None:
            raise NotFound("404: no such container")
        if container["Names"] == [f"/{name}"]:
            raise APIError("400: Renaming a container with the same name as its current name")
        if self.find(name) is not None:
            raise APIError("409 Conflict: name in use")
        container["Names"] = [f"/{name}"]
        self.renames.append((container["Id"], name))


class FakeEngine:
    def __init__(self, api):
        self.api = api

    def get(self, name):
        container = self.api.find(name)
        return container and container["Id"]


class FakeBackend:
    def __init__(self, api):
        self.engine = FakeEngine(api)
        self.engines_seen_ready = {}
        self.warm_shells = WarmShells()
        self.attached: list[str] = []
        self.removed: list[str] = []
        self.started: list[str] = []
        self.api = api

    async def list(self):
        from sandbox.backends.docker.containers import sandbox_summaries, summary_running

        return [
            SandboxInfo(
                key, RUNNING if all(summary_running(r.get(x)) for x in ("engine", "workspace")) else STOPPED, {}
            )
            for key, r in sandbox_summaries(self.api).items()
        ]

    async def remove(self, key):
        self.removed.append(key)

    async def start(self, key):
        self.started.append(key)
        self.api.add_sandbox(key)

    async def wait_engine_ready(self, key, timeout):
        return True

    async def attach_ahead(self, key):
        self.attached.append(key)


@pytest.fixture
def api(settings):
    settings.SANDBOX_NAME_PREFIX = "dockyard-unit"
    return FakeApi()


def test_a_claim_takes_a_running_joined_pool_sandbox_and_renames_both_containers(api):
    api.add_sandbox("pool-stopped", engine_state="exited")
    api.add_sandbox("pool-unjoined", joined=False)
    api.add_sandbox("pool-good")
    api.add_sandbox("u7")  # a student's, never claimed
    pool = SandboxPool(FakeBackend(api))
    claimed = pool.claim(specs.Names("u8"))
    assert claimed == ("pool-good-e", "pool-good-w")
    assert api.find(specs.Names("u8").engine)["Id"] == "pool-good-e"
    assert api.find(specs.Names("u8").workspace)["Id"] == "pool-good-w"
    assert pool.claim(specs.Names("u9")) is None  # nothing else fit to claim


def test_claims_one_after_another_each_get_their_own_sandbox(api):
    for i in range(20):
        api.add_sandbox(f"pool-{i:02d}")
    pool = SandboxPool(FakeBackend(api))
    claimed = [pool.claim(specs.Names(f"u{i}")) for i in range(20)]
    assert len(set(claimed)) == 20 and None not in claimed
    assert pool.claim(specs.Names("u99")) is None


def test_a_claim_of_another_process_in_between_is_never_renamed_again(api, monkeypatch):
    """Another process lists the same waiting sandbox and claims it first; this
    claim must not rename that student's containers, but take another."""
    api.add_sandbox("pool-a")
    api.add_sandbox("pool-b")
    monkeypatch.setattr(pool_module.random, "shuffle", lambda keys: keys.sort())  # pool-a first
    real_rename = api.rename
    rival = []

    def rival_claims_first(id_or_name, name):
        if not rival:
            rival.append(True)
            monkeypatch.setattr(api, "rename", real_rename)
            SandboxPool(FakeBackend(api)).claim(specs.Names("rival"))  # takes pool-a
        return real_rename(id_or_name, name)

    monkeypatch.setattr(api, "rename", rival_claims_first)
    engine, workspace = SandboxPool(FakeBackend(api)).claim(specs.Names("u1"))
    assert (engine, workspace) == ("pool-b-e", "pool-b-w")
    assert api.find(specs.Names("rival").engine)["Id"] == "pool-a-e"
    assert api.find(specs.Names("rival").workspace)["Id"] == "pool-a-w"


def test_the_second_of_two_claims_that_found_the_same_engine_is_refused(api):
    """Both found the engine by its pool name; the engine renames it for the
    first, and the second asks for the name it has now."""
    api.add_sandbox("pool-a")
    holding = specs.Names(pool_module.CLAIMING + "pool-a").engine
    api.rename(specs.Names("pool-a").engine, holding)
    with pytest.raises(APIError):
        api.rename("pool-a-e", holding)  # the second claim, by the container it found


def test_a_student_whose_containers_exist_meanwhile_gets_none_and_the_sandbox_goes_back(api):
    api.add_sandbox("pool-a")
    api.add_sandbox("u1")  # made by a start in another process
    assert SandboxPool(FakeBackend(api)).claim(specs.Names("u1")) is None
    assert api.find(specs.Names("pool-a").engine)["Id"] == "pool-a-e"


def test_many_claims_ask_for_one_refill_after_they_pause(api, monkeypatch):
    monkeypatch.setattr(pool_module, "REFILL_AFTER", 0.2)
    backend = FakeBackend(api)
    pool = SandboxPool(backend)
    fills = []

    async def counting_fill():
        fills.append(asyncio.get_running_loop().time())
        return 0

    monkeypatch.setattr(pool, "fill", counting_fill)

    async def scenario():
        for _ in range(10):
            pool.refill_soon()
            await asyncio.sleep(0.05)
        assert fills == []  # claims still arriving
        await asyncio.sleep(0.4)
        assert len(fills) == 1
        pool.refill_soon()
        await asyncio.sleep(0.4)
        assert len(fills) == 2

    asyncio.run(scenario())


def test_a_claim_during_a_refill_asks_for_another_after_it(api, monkeypatch):
    monkeypatch.setattr(pool_module, "REFILL_AFTER", 0.05)
    pool = SandboxPool(FakeBackend(api))
    fills = []

    async def slow_fill():
        fills.append(1)
        if len(fills) == 1:
            pool.refill_soon()  # a student claims while the pool refills
        await asyncio.sleep(0.1)
        return 0

    monkeypatch.setattr(pool, "fill", slow_fill)

    async def scenario():
        pool.refill_soon()
        await asyncio.sleep(0.6)

    asyncio.run(scenario())
    assert len(fills) == 2


def test_fill_removes_broken_and_abandoned_pool_sandboxes_but_not_one_halfway_through_a_claim(
    api, monkeypatch, settings
):
    settings.SANDBOX_POOL_SIZE = 2
    monkeypatch.setattr(pool_module, "CLAIM_SETTLES", 0.01)
    api.add_sandbox("pool-broken", engine_state="exited")
    api.add_sandbox("pool-orphan")
    # A claim that died halfway: its engine holds the claiming name for good.
    api.rename("pool-orphan-e", specs.Names(pool_module.CLAIMING + "pool-orphan").engine)
    api.add_sandbox("pool-claimed")
    # Halfway: the engine is the student's already, the workspace not yet.
    api.rename("pool-claimed-e", specs.Names("u5").engine)
    backend = FakeBackend(api)
    real_list = backend.list
    looks = []

    async def list_then_claim_finishes():
        looks.append(1)
        found = await real_list()
        if len(looks) == 1:
            api.rename("pool-claimed-w", specs.Names("u5").workspace)
        return found

    monkeypatch.setattr(backend, "list", list_then_claim_finishes)
    assert asyncio.run(SandboxPool(backend).fill()) == 2
    assert backend.removed == ["claiming-pool-orphan", "pool-broken", "pool-orphan"]
    assert len(backend.started) == 2 and all(specs.is_pool_key(k) for k in backend.started)


def test_a_claim_whose_sandbox_was_removed_halfway_gets_none(api, monkeypatch):
    """A fill took it for abandoned (a claim slower than CLAIM_SETTLES) and removed it."""
    api.add_sandbox("pool-a")
    real_rename = api.rename

    def removed_after_the_first_rename(id_or_name, name):
        real_rename(id_or_name, name)
        monkeypatch.setattr(api, "rename", real_rename)
        api.containers_by_id.pop("pool-a-e")

    monkeypatch.setattr(api, "rename", removed_after_the_first_rename)
    assert SandboxPool(FakeBackend(api)).claim(specs.Names("u1")) is None


class Attached:
    """Stands in for a WarmShell: the pool only asks whether one is there."""

    of_use = True


def test_fill_attaches_every_waiting_shell_ahead_once(api, settings):
    """Those waiting when this process came, and those it starts (warm_shells)."""
    settings.SANDBOX_POOL_SIZE = 2
    api.add_sandbox("pool-from-before")
    backend = FakeBackend(api)
    pool = SandboxPool(backend)

    async def fill_twice():
        await pool.fill()
        for key in backend.attached:  # as attach_ahead keeps them
            backend.warm_shells.keep(key, Attached())
        await pool.fill()

    asyncio.run(fill_twice())
    assert backend.attached == ["pool-from-before", *backend.started]
    assert len(backend.started) == 1


def test_a_claim_prefers_a_sandbox_whose_shell_this_process_attached_and_takes_it_along(api):
    for i in range(8):
        api.add_sandbox(f"pool-{i}")
    backend = FakeBackend(api)
    attached = Attached()
    backend.warm_shells.keep("pool-5", attached)
    assert SandboxPool(backend).claim(specs.Names("u1")) == ("pool-5-e", "pool-5-w")
    assert backend.warm_shells.has("u1") and not backend.warm_shells.has("pool-5")


def test_a_shell_that_could_not_be_attached_ahead_is_tried_once_while_its_sandbox_waits(api, settings):
    """Each fill would otherwise try it again (the student's own attach still works)."""
    settings.SANDBOX_POOL_SIZE = 1
    api.add_sandbox("pool-stuck")
    backend = FakeBackend(api)
    tries = []

    async def attach_fails(key):
        tries.append(key)
        raise APIError("500: exec failed")

    backend.attach_ahead = attach_fails
    pool = SandboxPool(backend)

    async def fill_twice():
        assert await pool.fill() == 1
        assert await pool.fill() == 1

    asyncio.run(fill_twice())
    assert tries == ["pool-stuck"]
