"""Students' progress through lesson steps, and the events that announce it.

Every passing check is published on the channel layer group "classroom"
as {"type": "progress.passed", "user", "lesson", "step", "at"}, and a step's
first pass is also the signal lessons.signals.step_passed (the classroom's
dashboards follow it), so nothing polls.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from lessons.models import StepProgress
from lessons.signals import step_passed
from lessons.states import LessonState, StepState

CLASSROOM_GROUP = "classroom"
OUTPUT_KEPT = 2000  # characters of a check's output kept for instructors


def step_states(user, lesson_slug) -> dict[str, StepState]:
    """{step id: state} for the steps this student has touched."""
    if not user.is_authenticated:
        return {}
    rows = StepProgress.objects.filter(user=user, lesson_slug=lesson_slug)
    return {row.step_id: row.state for row in rows if row.state != StepState.NOT_STARTED}


def passed_step_ids(user, lesson_slug) -> set[str]:
    return set(
        StepProgress.objects.filter(user=user, lesson_slug=lesson_slug, passed=True).values_list("step_id", flat=True)
    )


def lesson_states(user, lessons) -> dict[str, LessonState]:
    """{slug: state} for lessons that have steps."""
    if not user.is_authenticated:
        return {}
    rows = StepProgress.objects.filter(user=user, lesson_slug__in=[lesson.slug for lesson in lessons])
    touched, passed = {}, {}
    for row in rows:
        if row.state != StepState.NOT_STARTED:
            touched.setdefault(row.lesson_slug, set()).add(row.step_id)
        if row.passed:
            passed.setdefault(row.lesson_slug, set()).add(row.step_id)
    states = {}
    for lesson in lessons:
        step_ids = {step["id"] for step in lesson.steps}
        if not step_ids:
            continue
        if step_ids <= passed.get(lesson.slug, set()):
            states[lesson.slug] = LessonState.DONE
        elif touched.get(lesson.slug):
            states[lesson.slug] = LessonState.IN_PROGRESS
        else:
            states[lesson.slug] = LessonState.NOT_STARTED
    return states


@database_sync_to_async
def _save_result(user, lesson_slug, step_id, passed, message, output, attempt):
    progress, _created = StepProgress.objects.get_or_create(user=user, lesson_slug=lesson_slug, step_id=step_id)
    now = timezone.now()
    if attempt:
        progress.attempts += 1
    if passed and not progress.passed:
        progress.passed, progress.passed_at = True, now
    progress.last_message = message
    progress.last_output = output[-OUTPUT_KEPT:]
    progress.save()
    return progress, now


async def record_check_result(user, lesson_slug, step_id, *, passed, message="", output="", attempt=True):
    """Store one check's result; a pass is published to the classroom group.

    `attempt` is False for the automatic checks after each command: only a
    press of Check counts as the student's attempt. A passed step stays passed.
    """
    progress, now = await _save_result(user, lesson_slug, step_id, passed, message, output, attempt)
    if passed:
        await publish_pass(user.get_username(), lesson_slug, step_id, now)
        if progress.passed_at == now:  # the first pass
            await step_passed.asend(sender=StepProgress, user=user, lesson_slug=lesson_slug, step_id=step_id, at=now)
    return progress


async def publish_pass(username, lesson_slug, step_id, at):
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(
        CLASSROOM_GROUP,
        {
            "type": "progress.passed",
            "user": username,
            "lesson": lesson_slug,
            "step": step_id,
            "at": at.isoformat(),
        },
    )
