"""Recordings are written under a temporary RECORDING_DIR; `recorded` says whose
shells are recorded (recordings.policy's rule, which the classroom sets in the
running app; its own tests are in classroom/tests/test_recordings.py)."""

import pytest

from recordings import policy


@pytest.fixture(autouse=True)
def recording_dir(settings, tmp_path):
    settings.RECORDING_DIR = tmp_path / "recordings"
    return settings.RECORDING_DIR


@pytest.fixture
def recorded():
    """{user id: mode} the test fills; everyone else is not recorded."""
    modes: dict[int, str] = {}
    previous = policy._rule
    policy.set_rule(lambda user_ids: {user_id: modes[user_id] for user_id in user_ids if user_id in modes})
    yield modes
    policy.set_rule(previous)
