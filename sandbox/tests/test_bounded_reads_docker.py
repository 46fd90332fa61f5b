"""Every read of what a student's sandbox prints is bounded, in memory and time.

Before, a `docker` that printed 200 MB (the student had replaced it in the
workspace) made Daphne grow to 859 MB (/sandbox/ports/) and 1157 MB (the port
watcher). The workspace's root is read-only now, but the student still
chooses what their sandbox prints: here the app's own commands are swapped
for floods, and the reads must stay bounded."""

import asyncio
import tracemalloc

import pytest

from sandbox.backends.docker import terminal as docker_terminal
from sandbox.backends.docker.backend import EXEC_OUTPUT_LIMIT
from sandbox.tests.docker_fixtures import TEST_PREFIX, sandbox_fixture

pytestmark = pytest.mark.docker

sandbox = sandbox_fixture("bounded")

FLOOD = "head -c 200000000 /dev/zero | tr '\\0' a"  # 200 MB, no newline
MEMORY_BOUND = 24 * 1024 * 1024


def peak_memory(coro_factory):
    """(result, peak bytes allocated by Python while it ran)."""
    tracemalloc.start()
    try:
        result = asyncio.run(coro_factory())
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_flooding_port_list_is_cut(sandbox, monkeypatch):
    original = sandbox.backend.exec

    async def flooding_exec(key, command, timeout=60):
        if command[:2] == ["docker", "ps"]:
            command = ["sh", "-c", FLOOD]
        return await original(key, command, timeout)

    monkeypatch.setattr(sandbox.backend, "exec", flooding_exec)
    ports, peak = peak_memory(lambda: sandbox.backend.published_ports(sandbox.key))
    assert ports == []
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB held"


def test_exec_keeps_at_most_its_limit_and_says_it_was_cut(sandbox):
    result, peak = peak_memory(lambda: sandbox.backend.exec(sandbox.key, ["sh", "-c", FLOOD], timeout=30))
    assert result.exit_code == -1  # cut short is never success
    assert len(result.output) <= EXEC_OUTPUT_LIMIT
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB held"


def test_a_read_ends_at_its_deadline_whatever_runs(sandbox):
    """`timeout` in the sandbox is the first stop; the app's own deadline holds even
    when nothing inside ends the command (here, no `timeout` at all)."""
    from django.test import override_settings

    from sandbox.backends.docker.exec import run_bounded
    from sandbox.backends.docker.specs import Names

    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        workspace = sandbox.backend.client.containers.get(Names(sandbox.key).workspace)
    result = run_bounded(
        sandbox.backend.client.api, workspace.id, ["sleep", "600"], environment={}, max_bytes=1024, timeout=1
    )
    assert result.timed_out and result.exit_code is None
    sandbox.sh("pkill -f '^sleep 600' || true")  # not the workspace's own `sleep infinity`


def test_the_port_watcher_drops_a_flood_and_goes_on(sandbox, monkeypatch):
    # One endless line, then a real listing: the watcher keeps neither the flood
    # nor its memory, and still reports the listing after it.
    monkeypatch.setattr(
        docker_terminal, "WATCH_PORTS", FLOOD + "; echo; echo; printf 'web\\t0.0.0.0:8080->80/tcp\\n\\n'; sleep 30"
    )

    async def until_a_port():
        listings = []
        async for ports in sandbox.backend.watch_published_ports(sandbox.key):
            listings.append(ports)
            if ports or len(listings) == 5:
                break
        return listings

    listings, peak = peak_memory(lambda: asyncio.wait_for(until_a_port(), 120))
    assert [p.port for p in listings[-1]] == [8080], listings
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB held"
