"""The backend contract (sandbox/backends/base.py): what every backend must
implement is checked when its class is defined; what it may do besides is a
capability the app asks about."""

import pytest

from sandbox.backends.base import CAPABILITIES, FileProblem, SandboxBackend, Unsupported
from sandbox.backends.docker import DockerBackend
from sandbox.backends.fake import FakeBackend


def test_a_backend_without_the_required_methods_is_refused_when_defined():
    with pytest.raises(TypeError, match="HalfBackend must implement poll, open_terminal"):

        class HalfBackend(SandboxBackend):
            async def start(self, key, progress=None): ...

            async def stop(self, key): ...


class MinimalBackend(SandboxBackend):
    """Start, stop, poll and a shell: all a backend needs."""

    async def start(self, key, progress=None): ...

    async def stop(self, key): ...

    async def poll(self, key): ...

    async def open_terminal(self, key, *, cols=80, rows=24): ...


async def test_a_minimal_backend_has_no_capabilities_and_says_so():
    backend = MinimalBackend()
    assert backend.capabilities == frozenset()
    assert not backend.supports("files")
    assert await backend.wait_engine_ready("u1", 1) is True  # no nested engine to wait for
    assert await backend.list() == [] and await backend.published_ports("u1") == []
    with pytest.raises(Unsupported) as refused:
        await backend.exec("u1", ["true"])
    assert refused.value.code == "unsupported"
    with pytest.raises(FileProblem) as problem:
        await backend.read_file("u1", "/root/x", 10)
    assert problem.value.reason == "unsupported"


def test_the_real_backends_have_every_capability():
    assert DockerBackend.capabilities == frozenset(CAPABILITIES)
    assert FakeBackend.capabilities >= {"remove", "list", "exec", "files", "ports"}


def test_an_unknown_capability_is_a_mistake_in_the_caller():
    with pytest.raises(ValueError):
        MinimalBackend().supports("teleport")


def test_a_file_problem_has_a_known_reason():
    with pytest.raises(ValueError):
        FileProblem("gone-fishing")
