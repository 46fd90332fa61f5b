"""Every check of the shipped lessons has its shortcut and alternative in
check_cases.py, and every case there belongs to a check (no engine needed)."""

from lessons.tests.check_cases import CASES
from lessons.tests.lesson_sandboxes import checked_steps, lesson_files


def _checked():
    keys = []
    for path in lesson_files():
        slug, steps = checked_steps(path)
        keys += [(slug, step.id) for step in steps if step.check]
    return keys


def test_every_check_has_a_shortcut_and_an_alternative():
    missing = [f"{slug}/{step}" for slug, step in _checked() if (slug, step) not in CASES]
    assert not missing, "checks without a case in lessons/tests/check_cases.py: " + ", ".join(missing)


def test_every_case_belongs_to_a_check():
    stale = sorted(f"{slug}/{step}" for slug, step in set(CASES) - set(_checked()))
    assert not stale, "cases for checks that do not exist: " + ", ".join(stale)


def test_every_case_says_why_and_differs_from_its_alternative():
    for key, case in CASES.items():
        assert case.why.strip() and case.shortcut.strip() and case.alternative.strip(), key
        assert case.shortcut.strip() != case.alternative.strip(), key
