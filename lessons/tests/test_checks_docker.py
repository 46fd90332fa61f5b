"""Every check in lessons/content against a real sandbox: it fails in a fresh
sandbox, and passes once the solutions of its step and the steps before it
have run. So no check passes without the work, and every solution works.

One fresh sandbox per lesson (key "h3-<slug>"), removed afterwards. Both
languages share their checks (sync_lessons enforces it), so English is used.
"""
import time
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from lessons.checks import CHECK_TIMEOUT
from lessons.services import LessonFileError, parse_lesson_file
from lessons.steps import Step
from sandbox.backends import reset_backend_cache
from sandbox.tests.docker_fixtures import TEST_PREFIX, RunningSandbox, require_engine_and_images

pytestmark = pytest.mark.docker
SOLUTION_TIMEOUT = 300  # a solution may build an image
LANGUAGE = "en"


def _lesson_files():
    directory = Path(settings.LESSONS_DIR) / LANGUAGE
    return sorted(path for path in directory.glob("*.md"))


def _checked_steps(path):
    values = parse_lesson_file(path, LANGUAGE, f"{LANGUAGE}/{path.name}")
    return values["slug"], [Step.from_json(data) for data in values["steps"]]


def _params():
    params = []
    for path in _lesson_files():
        try:
            slug, steps = _checked_steps(path)
        except LessonFileError as exc:
            params.append(pytest.param(path, marks=pytest.mark.xfail(reason=str(exc), strict=True), id=path.stem))
            continue
        if any(step.check for step in steps):
            params.append(pytest.param(path, id=slug))
    return params


def _check(sandbox, step):
    return sandbox.run(sandbox.backend.exec(sandbox.key, ["bash", "-c", step.check.run], CHECK_TIMEOUT))


@pytest.mark.parametrize("path", _params())
def test_every_check_fails_fresh_and_passes_after_its_solution(path):
    require_engine_and_images()
    slug, steps = _checked_steps(path)
    checked = [step for step in steps if step.check]
    missing = [step.id for step in checked if not step.check.solution]
    assert not missing, f"{path.name}: checked step(s) without a solution: {', '.join(missing)}"
    started = time.monotonic()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX, SANDBOX_REAP_INTERVAL_SECONDS=0):
        reset_backend_cache()
        sandbox = RunningSandbox(f"h3-{slug}")
        sandbox.remove()  # leftovers of an interrupted run
        try:
            sandbox.start()
            passing_fresh = [step.id for step in checked if _check(sandbox, step).exit_code == 0]
            assert not passing_fresh, f"{path.name}: check(s) pass in a fresh sandbox: {', '.join(passing_fresh)}"
            for step in steps:
                if not step.check:
                    continue
                if _check(sandbox, step).exit_code == 0:
                    warnings.warn(f"{path.name}: step {step.id!r} passes before its own solution ran", stacklevel=1)
                solution = sandbox.sh(step.check.solution, SOLUTION_TIMEOUT)
                result = _check(sandbox, step)
                assert result.exit_code == 0, (
                    f"{path.name}: step {step.id!r}: check still fails after its solution.\n"
                    f"solution exit {solution.exit_code}, output:\n{solution.output[-2000:]}\n"
                    f"check output:\n{result.output[-1000:]}"
                )
        finally:
            sandbox.remove()
            reset_backend_cache()
    print(f"{slug}: {len(checked)} checks in {time.monotonic() - started:.0f} s")
