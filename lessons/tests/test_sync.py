import pytest
from django.core.management import call_command

from lessons.models import Lesson
from lessons.services import sync_lessons
from lessons.tests.helpers import write_course, write_lesson

pytestmark = pytest.mark.django_db


def test_it_loads_every_lesson(tmp_path):
    write_course(tmp_path)
    report = sync_lessons(tmp_path)
    assert sorted(report.created) == [
        "en/first",
        "en/second",
        "en/third",
        "zh-hans/first",
        "zh-hans/second",
    ]
    assert Lesson.objects.filter(language="en").count() == 3
    assert Lesson.objects.filter(language="zh-hans").count() == 2


def test_it_stores_the_rendered_body_and_toc(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    lesson = Lesson.objects.get(language="en", slug="first")
    assert lesson.title == "First"
    assert lesson.source_path == "en/01-first.md"
    assert '<h2 id="part-one">Part one</h2>' in lesson.body_html
    assert lesson.toc == [
        {"level": 2, "id": "part-one", "text": "Part one"},
        {"level": 2, "id": "part-two", "text": "Part two"},
    ]


def test_it_orders_lessons_by_order_not_file_name(tmp_path):
    write_course(tmp_path)
    write_lesson(tmp_path, "en", "00-late.md", slug="late", order=10)
    sync_lessons(tmp_path)
    slugs = list(Lesson.objects.filter(language="en").values_list("slug", flat=True))
    assert slugs == ["first", "second", "third", "late"]


def test_it_links_previous_and_next_within_one_language(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    first, second, third = Lesson.objects.filter(language="en")
    assert first.get_previous() is None
    assert first.get_next() == second
    assert second.get_previous() == first
    assert second.get_next() == third
    assert third.get_next() is None
    zh_second = Lesson.objects.get(language="zh-hans", slug="second")
    assert zh_second.get_next() is None
    assert zh_second.get_previous().title == "第一课"


def test_it_keeps_summary_optional(tmp_path):
    write_lesson(tmp_path, "en", "01-a.md", slug="a", summary="Short and sweet.")
    write_lesson(tmp_path, "en", "02-b.md", slug="b", order=2)
    sync_lessons(tmp_path)
    assert Lesson.objects.get(slug="a").summary == "Short and sweet."
    assert Lesson.objects.get(slug="b").summary == ""


def test_the_command_prints_a_summary(tmp_path, capsys):
    write_course(tmp_path)
    call_command("sync_lessons", "--dir", str(tmp_path))
    out = capsys.readouterr().out
    assert "Lessons: 5 created, 0 updated, 0 removed, 0 unchanged." in out
