"""The dashboard page names the lesson each student is on, also one the class does not cover;
a class page with no lessons says so."""

import json
import re

import pytest

from classroom.tests.conftest import make_class
from lessons.services import sync_lessons
from lessons.tests.step_helpers import write_step_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_lessons(tmp_path):
    """`steps` (the class's, in both languages) and `extra` (English only, not in the class)."""
    write_step_lesson(tmp_path, title="Steps", body="Text.\n")
    write_step_lesson(tmp_path, "zh-hans", title="步骤", body="文字。\n")
    write_step_lesson(tmp_path, filename="02-extra.md", slug="extra", title="Extra lesson", order=2, body="More.\n")
    sync_lessons(tmp_path)


def lesson_titles(page: str) -> dict:
    found = re.search(r'<script id="dashboard-lesson-titles" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", {"steps": "Steps", "extra": "Extra lesson"}), ("zh-hans", {"steps": "步骤", "extra": "Extra lesson"})],
)
def test_every_lesson_is_named_in_the_instructors_language_or_english(
    client, two_lessons, classroom, instructor, language, expected
):
    client.force_login(instructor)
    client.cookies["django_language"] = language
    page = client.get(f"/classroom/{classroom.pk}/dashboard/").content.decode()
    assert lesson_titles(page) == expected


def test_a_class_page_without_lessons_says_so_without_numbering_it(client, instructor, alice):
    classroom = make_class(instructor, [alice], name="Empty class")
    classroom.items.all().delete()
    client.force_login(alice)
    page = client.get(f"/classroom/{classroom.pk}/").content.decode()
    assert '<p class="class-contents empty">Your instructor has not chosen the lessons yet.</p>' in page
    assert "<ol" not in page
