"""Fixtures of the lessons tests."""

import pytest

from tutorial.testing import backend_in_use


@pytest.fixture
def scripted_backend(settings):
    """FakeBackend whose checks pass or fail as the test says (step_helpers.ScriptedBackend)."""
    yield from backend_in_use(settings, "lessons.tests.step_helpers.ScriptedBackend")
