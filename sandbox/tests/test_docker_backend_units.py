"""Small pure functions of the Docker backend (no engine needed)."""

import pytest

from sandbox.backends.docker.containers import timestamp


def test_started_at_becomes_epoch_seconds_rounded_down_to_the_microsecond():
    assert timestamp("2026-11-27T22:35:00.123456789Z") == pytest.approx(1795818900.123456, abs=1e-7)
    assert timestamp("2026-11-27T22:35:00Z") == 1795818900.0
    assert timestamp("not a time") == 0.0


class _LoggedEngine:
    """An engine container whose log lines carry times, filtered as `docker logs --since` does."""

    status = "running"
    id = "engine-id"

    def __init__(self, started_at: str, finished_at: str, lines: list[tuple[str, bytes]]):
        self.attrs = {"State": {"StartedAt": started_at, "FinishedAt": finished_at}}
        self._lines = lines

    def logs(self, stdout=True, stderr=True, since=None):
        return b"".join(line for at, line in self._lines if since is None or timestamp(at) >= since)


class _Containers:
    def __init__(self, container):
        self._container = container

    def get(self, name):
        return self._container


class _Client:
    def __init__(self, container):
        self.containers = _Containers(container)


def _engine_ready(container) -> bool:
    import asyncio

    from sandbox.backends.docker.backend import DockerBackend

    return asyncio.run(DockerBackend(_Client(container)).wait_engine_ready("u1", 0.3))


def test_an_engine_that_said_ready_before_docker_recorded_its_start_is_ready():
    """A lazy engine's entrypoint says `ready` within milliseconds: on a busy host
    before dockerd records StartedAt (seen: 67 ms before)."""
    engine = _LoggedEngine(
        "2026-12-02T05:47:56.200468564Z",
        "0001-01-01T00:00:00Z",  # never stopped before
        [("2026-12-02T05:47:56.133891609Z", b"dockyard-engine: ready\n")],
    )
    assert _engine_ready(engine)


def test_the_ready_line_of_an_earlier_run_does_not_count():
    engine = _LoggedEngine(
        "2026-12-02T06:00:10.000000000Z",
        "2026-12-02T06:00:05.000000000Z",  # the last run ended here
        [
            ("2026-12-02T05:47:56.133891609Z", b"dockyard-engine: ready\n"),
            ("2026-12-02T06:00:10.050000000Z", b"dockyard-engine: pulling through the cache\n"),
        ],
    )
    assert not _engine_ready(engine)
    engine._lines.append(("2026-12-02T06:00:10.060000000Z", b"dockyard-engine: ready\n"))
    assert _engine_ready(engine)
