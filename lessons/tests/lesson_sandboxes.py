"""Shared by the tests that run the shipped lessons' checks in real sandboxes:
the lessons with checks (English; both languages share their checks), and a
fresh sandbox per lesson that is removed afterwards."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from lessons.checks import CHECK_TIMEOUT
from lessons.services import LessonFileError, parse_lesson_file
from lessons.steps import Step
from sandbox.backends import reset_backend_cache
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, require_engine_and_images

LANGUAGE = "en"
SOLUTION_TIMEOUT = 300  # a solution may build an image


def lesson_files():
    directory = Path(settings.LESSONS_DIR) / LANGUAGE
    return sorted(directory.glob("*.md"))


def checked_steps(path):
    """The lesson's slug and all its steps."""
    values = parse_lesson_file(path, LANGUAGE, f"{LANGUAGE}/{path.name}")
    return values["slug"], [Step.from_json(data) for data in values["steps"]]


def lesson_params():
    """One pytest param per lesson file that has checks (a broken file is an expected failure)."""
    params = []
    for path in lesson_files():
        try:
            slug, steps = checked_steps(path)
        except LessonFileError as exc:
            params.append(pytest.param(path, marks=pytest.mark.xfail(reason=str(exc), strict=True), id=path.stem))
            continue
        if any(step.check for step in steps):
            params.append(pytest.param(path, id=slug))
    return params


def run_check(sandbox, step):
    """The step's check as the site runs it: bash -c in the workspace, within CHECK_TIMEOUT."""
    return sandbox.run(sandbox.backend.exec(sandbox.key, ["bash", "-c", step.check.run], CHECK_TIMEOUT))


@contextmanager
def fresh_sandbox(key):
    """A running sandbox under the test prefix, removed afterwards (also leftovers of an interrupted run)."""
    require_engine_and_images()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_REAP_INTERVAL_SECONDS=0):
        reset_backend_cache()
        sandbox = RunningSandbox(key)
        sandbox.remove()
        try:
            sandbox.start()
            yield sandbox
        finally:
            sandbox.remove()
            reset_backend_cache()
