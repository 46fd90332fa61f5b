"""Broken SUMMARY entries and missing files give clear errors naming the entry; nothing changes."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from books.models import Book, BookPage
from books.services import BookImportError, import_book
from books.tests.helpers import copy_book


@pytest.fixture
def root(tmp_path):
    return copy_book(tmp_path)


def _summary_with(root, line):
    """SUMMARY.md with one more top-level entry; it lands on line 23."""
    summary = root / "SUMMARY.md"
    summary.write_text(summary.read_text() + "\n## Appendix\n\n" + line + "\n")
    return summary


CASES = [
    (
        "* [Missing](appendix/missing.md)",
        "SUMMARY.md line 23: entry 'Missing' -> 'appendix/missing.md': file not found in the book",
    ),
    ("* [](basics/run2.md)", "SUMMARY.md line 23: an entry -> 'basics/run2.md' has an empty title"),
    ("* Just words", "SUMMARY.md line 23: entry 'Just words' has no link to a file"),
    (
        "* [Outside](../outside.md)",
        "SUMMARY.md line 23: entry 'Outside' -> '../outside.md' points outside the book directory",
    ),
    (
        "* [Sneaky](basics/../../outside.md)",
        "SUMMARY.md line 23: entry 'Sneaky' -> 'basics/../../outside.md' points outside the book directory",
    ),
    (
        "* [Absolute](/etc/passwd.md)",
        "SUMMARY.md line 23: entry 'Absolute' -> '/etc/passwd.md' is an absolute path; use a path relative to the book",
    ),
    (
        "* [Web](https://example.org/page.md)",
        "SUMMARY.md line 23: entry 'Web' -> 'https://example.org/page.md' is a URL, not a file of the book",
    ),
    (
        "* [Picture](_images/layers.png)",
        "SUMMARY.md line 23: entry 'Picture' -> '_images/layers.png' is not a Markdown (.md) file",
    ),
    (
        "* [Again](basics/run.md)",
        "SUMMARY.md line 23: entry 'Again' -> 'basics/run.md' lists a file already listed on line 8",
    ),
]


@pytest.mark.parametrize("line,message", CASES, ids=[c[1].split(" ", 4)[-1][:40] for c in CASES])
def test_each_broken_entry_is_named_and_nothing_changes(db, data_dir, root, line, message):
    (root.parent / "outside.md").write_text("# Outside\n")
    book = import_book(root, slug="tiny").book
    before = list(BookPage.objects.order_by("pk").values())
    _summary_with(root, line)
    (root / "basics" / "images.md").write_text("# Changed too\n")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == [message]
    assert list(BookPage.objects.order_by("pk").values()) == before
    assert Book.objects.get().title == book.title


def test_a_symlink_out_of_the_book_is_refused(db, data_dir, root):
    (root.parent / "secret.md").write_text("# Secret\n")
    (root / "basics" / "link.md").symlink_to(root.parent / "secret.md")
    _summary_with(root, "* [Link](basics/link.md)")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == [
        "SUMMARY.md line 23: entry 'Link' -> 'basics/link.md' leads outside the book directory"
    ]
    assert not Book.objects.exists()


def test_every_broken_entry_is_listed_at_once(db, data_dir, root):
    summary = root / "SUMMARY.md"
    summary.write_text(summary.read_text() + "* [A](a.md)\n* [B](b.md)\n")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert [e.split(":")[0] for e in caught.value.errors] == ["SUMMARY.md line 20", "SUMMARY.md line 21"]


def test_no_summary_is_an_error(db, data_dir, root):
    (root / "SUMMARY.md").unlink()
    with pytest.raises(BookImportError, match="no SUMMARY.md"):
        import_book(root, slug="tiny")


def test_files_that_are_not_utf8_are_named(db, data_dir, root):
    (root / "basics" / "images.md").write_bytes(b"# Listing images\n\n\xff\xfe\n")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == ["basics/images.md: not valid UTF-8 (invalid start byte at byte 18)"]
    (root / "SUMMARY.md").write_bytes(b"* [A](a.md) \xff\n")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == ["SUMMARY.md: not valid UTF-8 (invalid start byte at byte 12)"]


def test_an_image_outside_the_book_is_an_error(db, data_dir, root):
    page = root / "build" / "context.md"
    page.write_text("# Build context\n\n![x](../../elsewhere.png)\n")
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == ["build/context.md: image '../../elsewhere.png' points outside the book directory"]


def test_the_command_reports_errors_and_imports_nothing(db, data_dir, root):
    _summary_with(root, "* [Missing](appendix/missing.md)")
    with pytest.raises(CommandError) as caught:
        call_command("import_book", str(root), "--slug", "tiny")
    assert "Nothing was imported" in str(caught.value)
    assert "SUMMARY.md line 23: entry 'Missing'" in str(caught.value)
    assert not Book.objects.exists()


def test_the_command_imports_and_reports(db, data_dir, root, capsys):
    call_command("import_book", str(root), "--slug", "tiny", "--language", "zh-hans")
    out = capsys.readouterr().out
    assert "Book 'tiny' (zh-hans, from --language): 11 pages (11 created, 0 updated, 0 removed, 0 unchanged)" in out
    assert "  basics/run.md: link 'notes.md' is to basics/notes.md" in out
    assert Book.objects.get().language == "zh-hans"
