"""Small pure functions of the Docker backend (no engine needed)."""

import pytest

from sandbox.backends.docker.containers import timestamp


def test_started_at_becomes_epoch_seconds_rounded_down_to_the_microsecond():
    assert timestamp("2026-11-27T22:35:00.123456789Z") == pytest.approx(1795818900.123456, abs=1e-7)
    assert timestamp("2026-11-27T22:35:00Z") == 1795818900.0
    assert timestamp("not a time") == 0.0
