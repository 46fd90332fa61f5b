"""The classroom tests' people: an instructor with a class (alice in it), another
instructor with another class (bob in it), and a course of one lesson with two
checked steps. `teacher` (tutorial.testing) is the server's administrator."""

import pytest

from classroom.models import ClassItem, Classroom, Membership
from classroom.roles import make_instructor
from lessons.services import sync_lessons
from lessons.tests.step_helpers import write_step_lesson

TWO_CHECKS = [
    {"id": "hello", "title": "Run a container", "check": {"run": "check-hello", "fail": "Not yet."}},
    {"id": "look", "title": "Look around", "check": {"run": "check-look", "fail": "Not yet."}},
]
BODY = "::: step hello\nRun it.\n:::\n\n::: step look\nLook.\n:::\n"


@pytest.fixture
def course(tmp_path):
    write_step_lesson(tmp_path, steps=TWO_CHECKS, body=BODY)
    write_step_lesson(tmp_path, "zh-hans", steps=TWO_CHECKS, body=BODY, title="步骤")
    sync_lessons(tmp_path)


@pytest.fixture
def instructor(django_user_model):
    user = django_user_model.objects.create_user("ina", password="pw-ina-123", first_name="Ina")
    make_instructor(user)
    return user


@pytest.fixture
def other_instructor(django_user_model):
    user = django_user_model.objects.create_user("oto", password="pw-oto-123")
    make_instructor(user)
    return user


def make_class(instructor, students, name="Docker 101", **fields):
    classroom = Classroom.objects.create(name=name, **fields)
    classroom.instructors.add(instructor)
    ClassItem.objects.create(classroom=classroom, order=0, lesson_slug="steps")
    for student in students:
        Membership.objects.create(classroom=classroom, user=student)
    return classroom


@pytest.fixture
def classroom(instructor, alice):
    return make_class(instructor, [alice])


@pytest.fixture
def other_class(other_instructor, bob):
    return make_class(other_instructor, [bob], name="Other class")
