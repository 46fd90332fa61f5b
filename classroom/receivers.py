"""Signals the classroom follows: a passed step (lessons.signals.step_passed)
goes to the student's class dashboards; a roster change drops what the live
path cached of that student."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from classroom import memberships, push
from classroom.models import Membership
from lessons.signals import step_passed


async def step_passed_to_dashboards(sender, user, lesson_slug, step_id, at, **kwargs):
    classes = await memberships.classes_of(user.pk)
    if classes:
        await push.to_dashboards(
            classes, {"type": "passed", "id": user.pk, "lesson": lesson_slug, "step": step_id, "at": at.timestamp()}
        )


def roster_changed(sender, instance, **kwargs):
    memberships.forget(instance.user_id)


def connect() -> None:
    step_passed.connect(step_passed_to_dashboards, dispatch_uid="classroom-step-passed")
    post_save.connect(roster_changed, sender=Membership, dispatch_uid="classroom-roster-saved")
    post_delete.connect(roster_changed, sender=Membership, dispatch_uid="classroom-roster-deleted")
