"""The states a step and a lesson are in for one student (one spelling each:
the page's data-state attributes and CSS use these values)."""

from enum import StrEnum


class StepState(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"  # checked at least once, not passed
    PASSED = "passed"


class LessonState(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"  # every step passed
