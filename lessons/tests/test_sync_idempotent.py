import pytest
from django.core.management import call_command

from lessons.models import Lesson
from lessons.services import sync_lessons
from lessons.tests.helpers import write_course, write_lesson

pytestmark = pytest.mark.django_db


def test_it_changes_nothing_on_a_second_run(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    stamps = dict(Lesson.objects.values_list("pk", "updated_at"))

    report = sync_lessons(tmp_path)

    assert not report.changed
    assert report.unchanged == 5
    assert dict(Lesson.objects.values_list("pk", "updated_at")) == stamps


def test_the_command_reports_zero_changes_on_a_second_run(tmp_path, capsys):
    write_course(tmp_path)
    call_command("sync_lessons", "--dir", str(tmp_path))
    capsys.readouterr()
    call_command("sync_lessons", "--dir", str(tmp_path))
    assert "0 created, 0 updated, 0 removed, 5 unchanged" in capsys.readouterr().out


def test_it_updates_an_edited_file_in_place(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    pk = Lesson.objects.get(language="en", slug="second").pk
    write_lesson(tmp_path, "en", "02-second.md", slug="second", title="Second, revised", order=2, body="## New section")

    report = sync_lessons(tmp_path)

    assert report.updated == ["en/second"]
    assert report.created == report.removed == []
    lesson = Lesson.objects.get(pk=pk)
    assert lesson.title == "Second, revised"
    assert lesson.toc == [{"level": 2, "id": "new-section", "text": "New section"}]


def test_it_removes_lessons_whose_file_disappeared(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    (tmp_path / "en" / "03-third.md").unlink()

    report = sync_lessons(tmp_path)

    assert report.removed == ["en/third"]
    assert not Lesson.objects.filter(slug="third").exists()
    assert Lesson.objects.count() == 4


def test_it_treats_a_renamed_slug_as_remove_plus_create(tmp_path):
    write_lesson(tmp_path, "en", "01-a.md", slug="old-name")
    sync_lessons(tmp_path)
    write_lesson(tmp_path, "en", "01-a.md", slug="new-name")

    report = sync_lessons(tmp_path)

    assert (report.created, report.removed) == (["en/new-name"], ["en/old-name"])
