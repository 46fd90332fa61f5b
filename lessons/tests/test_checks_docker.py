"""Every check in lessons/content against a real sandbox: it fails in a fresh
sandbox, and passes once the solutions of its step and the steps before it
have run. So no check passes without the work, and every solution works.

One fresh sandbox per lesson (key "h3-<slug>"), removed afterwards. Both
languages share their checks (sync_lessons enforces it), so English is used.
The other half of the proof, a wrong shortcut that fails and another correct
way that passes, is test_check_cases_docker.py.
"""

import time
import warnings

import pytest

from lessons.tests.lesson_sandboxes import SOLUTION_TIMEOUT, checked_steps, fresh_sandbox, lesson_params, run_check

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("path", lesson_params())
def test_every_check_fails_fresh_and_passes_after_its_solution(path):
    slug, steps = checked_steps(path)
    checked = [step for step in steps if step.check]
    missing = [step.id for step in checked if not step.check.solution]
    assert not missing, f"{path.name}: checked step(s) without a solution: {', '.join(missing)}"
    started = time.monotonic()
    with fresh_sandbox(f"h3-{slug}") as sandbox:
        passing_fresh = [step.id for step in checked if run_check(sandbox, step).exit_code == 0]
        assert not passing_fresh, f"{path.name}: check(s) pass in a fresh sandbox: {', '.join(passing_fresh)}"
        for step in checked:
            if run_check(sandbox, step).exit_code == 0:
                warnings.warn(f"{path.name}: step {step.id!r} passes before its own solution ran", stacklevel=1)
            solution = sandbox.sh(step.check.solution, SOLUTION_TIMEOUT)
            result = run_check(sandbox, step)
            assert result.exit_code == 0, (
                f"{path.name}: step {step.id!r}: check still fails after its solution.\n"
                f"solution exit {solution.exit_code}, output:\n{solution.output[-2000:]}\n"
                f"check output:\n{result.output[-1000:]}"
            )
    print(f"{slug}: {len(checked)} checks in {time.monotonic() - started:.0f} s")
