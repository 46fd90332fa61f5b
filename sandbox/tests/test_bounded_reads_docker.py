"""Every read of what a student's sandbox prints is bounded, in memory and time.

The student is root in the workspace and can replace `docker`, `timeout` or
anything else the app runs there. Before, a `docker` printing 200 MB made
Daphne grow to 859 MB (/sandbox/ports/) and 1157 MB (the port watcher)."""
import asyncio
import base64
import tracemalloc

import pytest

from sandbox.backends.docker import EXEC_OUTPUT_LIMIT
from sandbox.tests.docker_fixtures import sandbox_fixture

pytestmark = pytest.mark.docker

sandbox = sandbox_fixture("bounded")

FLOOD = "head -c 200000000 /dev/zero | tr '\\0' a"  # 200 MB, no newline
MEMORY_BOUND = 24 * 1024 * 1024


def replace(sandbox, path: str, script: str):
    """Put a script of the student's in place of a program the app runs."""
    encoded = base64.b64encode(f"#!/bin/sh\n{script}\n".encode()).decode()
    result = sandbox.sh(f"cp -n {path} {path}.real; echo {encoded} | base64 -d > {path}.new && "
                        f"chmod +x {path}.new && mv -f {path}.new {path}")
    assert result.exit_code == 0, result.output


@pytest.fixture
def fake_docker(sandbox):
    yield lambda script: replace(sandbox, "/usr/local/bin/docker", script)
    sandbox.sh("mv -f /usr/local/bin/docker.real /usr/local/bin/docker")


def peak_memory(coro_factory):
    """(result, peak bytes allocated by Python while it ran)."""
    tracemalloc.start()
    try:
        result = asyncio.run(coro_factory())
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_flooding_docker_does_not_flood_the_port_list(sandbox, fake_docker):
    fake_docker(FLOOD)
    ports, peak = peak_memory(lambda: sandbox.backend.published_ports(sandbox.key))
    assert ports == []
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB held"


def test_exec_keeps_at_most_its_limit_and_says_it_was_cut(sandbox):
    result, peak = peak_memory(lambda: sandbox.backend.exec(sandbox.key, ["sh", "-c", FLOOD], timeout=30))
    assert result.exit_code == -1  # cut short is never success
    assert len(result.output) <= EXEC_OUTPUT_LIMIT
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB held"


def test_exec_ends_at_its_deadline_even_without_timeout(sandbox):
    replace(sandbox, "/usr/bin/timeout", 'shift 3; exec "$@"')  # `timeout -s KILL N cmd` that never kills
    try:
        result = sandbox.run(sandbox.backend.exec(sandbox.key, ["sleep", "600"], timeout=1))
        assert result.exit_code == -1
    finally:
        sandbox.sh("cp /usr/bin/timeout.real /usr/bin/timeout.new && mv -f /usr/bin/timeout.new /usr/bin/timeout")


def test_the_port_watcher_drops_a_flood_and_goes_on(sandbox, fake_docker):
    # One endless line, then a real listing: the watcher keeps neither the flood nor
    # its memory, and still reports the listing after it.
    fake_docker(FLOOD + "; echo; echo; printf 'web\\t0.0.0.0:8080->80/tcp\\n\\n'; sleep 30")

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
