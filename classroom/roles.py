"""The instructor role: the group "Instructors", holding the permission classroom.teach."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

INSTRUCTORS = "Instructors"


def instructors_group() -> Group:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    group.permissions.add(Permission.objects.get(content_type__app_label="classroom", codename="teach"))
    return group


def make_instructor(user) -> None:
    user.groups.add(instructors_group())


def remove_instructor(user) -> None:
    user.groups.remove(instructors_group())
