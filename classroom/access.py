"""Who may see and do what in a class: one place for every view and websocket.

- An instructor (tutorial.permissions.is_instructor) sees and acts on the
  classes they teach; a superuser on every class.
- A student sees their own classes' pages; never a dashboard, another
  student's terminal, help requests or controls.
- Watching a terminal (the sandbox's attach rule, set from apps.py): a superuser
  watches anyone; an instructor watches the students of the classes they
  teach, and may take over where one of those classes allows it.
"""

from __future__ import annotations

from django.http import Http404

from classroom.models import Classroom, Membership
from sandbox.services import NO_ACCESS, Access
from tutorial.permissions import is_administrator, is_instructor


def classes_taught(user):
    """The classes `user` may run: all for a superuser, their own for an instructor."""
    if is_administrator(user):
        return Classroom.objects.all()
    if is_instructor(user):
        return Classroom.objects.filter(instructors=user)
    return Classroom.objects.none()


def teaches(user, classroom_id: int) -> bool:
    return classes_taught(user).filter(pk=classroom_id).exists()


def get_class_for_instructor(user, classroom_id: int) -> Classroom:
    """The class if `user` runs it; 404 otherwise (another instructor's class does
    not even exist for them). Views check the instructor role first (403)."""
    classroom = classes_taught(user).filter(pk=classroom_id).first()
    if classroom is None:
        raise Http404("No such class.")
    return classroom


def get_student_of(classroom: Classroom, student_id: int):
    membership = Membership.objects.select_related("user").filter(classroom=classroom, user_id=student_id).first()
    if membership is None:
        raise Http404("No such student in this class.")
    return membership.user


def terminal_access(viewer, owner) -> Access:
    """The sandbox's attach rule (sandbox.services.set_attach_rule)."""
    if is_administrator(viewer):
        allowing = Classroom.objects.filter(memberships__user=owner)
        # A superuser may take over unless every class of the student forbids it.
        return Access(watch=True, take_over=not allowing.exists() or allowing.filter(allow_take_over=True).exists())
    if not is_instructor(viewer):
        return NO_ACCESS
    shared = Classroom.objects.filter(instructors=viewer, memberships__user=owner)
    if not shared.exists():
        return NO_ACCESS
    return Access(watch=True, take_over=shared.filter(allow_take_over=True).exists())
