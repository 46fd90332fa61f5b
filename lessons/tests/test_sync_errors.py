import pytest
from django.core.management import CommandError, call_command

from lessons.models import Lesson
from lessons.services import LessonSyncError, sync_lessons
from lessons.tests.helpers import write_course, write_lesson

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(Lesson.objects.order_by("pk").values())


def _write_raw(root, relative, content):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


BROKEN_FILES = {
    "bad-yaml": ("en/09-bad.md", "---\nslug: bad\ntitle: [unclosed\norder: 9\n---\nBody\n", "invalid YAML"),
    "no-front-matter": ("en/09-bad.md", "# Just Markdown\n", "must start with a '---' line"),
    "unclosed-front-matter": ("en/09-bad.md", "---\nslug: bad\ntitle: Bad\norder: 9\n", "no closing '---'"),
    "not-a-mapping": ("en/09-bad.md", "---\n- a list\n---\nBody\n", "must be a YAML mapping"),
    "missing-title": ("en/09-bad.md", "---\nslug: bad\norder: 9\n---\nBody\n", "missing 'title'"),
    "missing-slug": ("en/09-bad.md", "---\ntitle: Bad\norder: 9\n---\nBody\n", "missing 'slug'"),
    "bad-slug": ("en/09-bad.md", "---\nslug: ../etc/passwd\ntitle: Bad\norder: 9\n---\nBody\n", "invalid slug"),
    "uppercase-slug": ("en/09-bad.md", "---\nslug: Bad\ntitle: Bad\norder: 9\n---\nBody\n", "invalid slug"),
    "order-not-int": (
        "en/09-bad.md",
        "---\nslug: bad\ntitle: Bad\norder: soon\n---\nBody\n",
        "'order' must be an integer",
    ),
    "unknown-key": (
        "en/09-bad.md",
        "---\nslug: bad\ntitle: Bad\norder: 9\nsummery: typo\n---\nBody\n",
        "unknown front matter key(s): summery",
    ),
    "duplicate-slug": (
        "en/09-bad.md",
        "---\nslug: second\ntitle: Bad\norder: 9\n---\nBody\n",
        "duplicate slug 'second'",
    ),
    "not-utf8": (
        "en/09-bad.md",
        "---\nslug: bad\ntitle: Caf\xe9\norder: 9\n---\n".encode("latin-1"),
        "not valid UTF-8",
    ),
    "unknown-language": (
        "fr/01-first.md",
        "---\nslug: first\ntitle: Premier\norder: 1\n---\n",
        "unknown language directory",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_FILES))
def test_it_names_the_file_and_the_reason(tmp_path, kind):
    relative, content, reason = BROKEN_FILES[kind]
    write_course(tmp_path)
    _write_raw(tmp_path, relative, content)

    with pytest.raises(LessonSyncError) as excinfo:
        sync_lessons(tmp_path)

    [error] = excinfo.value.errors
    expected_path = "fr/" if kind == "unknown-language" else relative
    assert error.path == expected_path
    assert str(error).startswith(f"{expected_path}: ")
    assert reason in error.reason


@pytest.mark.parametrize("kind", sorted(BROKEN_FILES))
def test_it_applies_nothing_when_one_file_is_broken(tmp_path, kind):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    before = _snapshot()
    # Changes that would be applied if the broken file were not there:
    write_lesson(tmp_path, "en", "01-first.md", slug="first", title="Edited", order=1)
    write_lesson(tmp_path, "en", "04-fourth.md", slug="fourth", order=4)
    (tmp_path / "en" / "03-third.md").unlink()
    relative, content, _reason = BROKEN_FILES[kind]
    _write_raw(tmp_path, relative, content)

    with pytest.raises(LessonSyncError):
        sync_lessons(tmp_path)

    assert _snapshot() == before


def test_it_reports_every_broken_file_at_once(tmp_path):
    write_course(tmp_path)
    _write_raw(tmp_path, "en/08-a.md", "---\ntitle: A\norder: 8\n---\n")
    _write_raw(tmp_path, "zh-hans/09-b.md", "---\nslug: b\norder: 9\n---\n")

    with pytest.raises(LessonSyncError) as excinfo:
        sync_lessons(tmp_path)

    assert [e.path for e in excinfo.value.errors] == ["en/08-a.md", "zh-hans/09-b.md"]


def test_it_refuses_a_missing_directory_instead_of_removing_everything(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)

    with pytest.raises(LessonSyncError, match="does not exist"):
        sync_lessons(tmp_path / "nope")

    assert Lesson.objects.count() == 5


def test_the_command_fails_with_the_file_name_and_reason(tmp_path):
    write_course(tmp_path)
    _write_raw(tmp_path, "en/09-bad.md", "---\nslug: Not_Valid\ntitle: Bad\norder: 9\n---\n")

    with pytest.raises(CommandError) as excinfo:
        call_command("sync_lessons", "--dir", str(tmp_path))

    message = str(excinfo.value)
    assert "No lessons were changed" in message
    assert "en/09-bad.md: invalid slug 'Not_Valid'" in message
    assert not Lesson.objects.exists()
