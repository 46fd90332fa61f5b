"""Every check in lessons/content against a wrong shortcut and another correct
way (lessons/tests/check_cases.py), in a real sandbox.

One fresh sandbox per lesson (key "h4-<slug>"). Step by step, in the lesson's
order: the shortcut runs and the check must fail; then the alternative runs and
the check must pass. Each alternative builds on the alternatives before it, as
a student who took other correct ways through the whole lesson would.
"""

import time

import pytest

from lessons.tests.check_cases import CASES
from lessons.tests.lesson_sandboxes import SOLUTION_TIMEOUT, checked_steps, fresh_sandbox, lesson_params, run_check

pytestmark = pytest.mark.docker


def _ran(what, step, result):
    return f"{what} of step {step.id!r} exited {result.exit_code}, output:\n{result.output[-2000:]}"


@pytest.mark.parametrize("path", lesson_params())
def test_every_check_rejects_its_shortcut_and_accepts_another_way(path):
    slug, steps = checked_steps(path)
    started = time.monotonic()
    with fresh_sandbox(f"h4-{slug}") as sandbox:
        for step in (step for step in steps if step.check):
            case = CASES[(slug, step.id)]
            shortcut = sandbox.sh(case.shortcut, SOLUTION_TIMEOUT)
            result = run_check(sandbox, step)
            assert result.exit_code != 0, (
                f"{path.name}: step {step.id!r}: the check passes after the shortcut "
                f"({case.why}).\n{_ran('the shortcut', step, shortcut)}"
            )
            alternative = sandbox.sh(case.alternative, SOLUTION_TIMEOUT)
            result = run_check(sandbox, step)
            assert result.exit_code == 0, (
                f"{path.name}: step {step.id!r}: the check rejects another correct way.\n"
                f"{_ran('the alternative', step, alternative)}\ncheck output:\n{result.output[-1000:]}"
            )
    print(f"{slug}: shortcuts and alternatives in {time.monotonic() - started:.0f} s")
