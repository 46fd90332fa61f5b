"""Importing again updates the same rows in place; pages and images no longer listed go."""

import pytest

from books.models import BookImage, BookPage
from books.services import import_book
from books.tests.helpers import copy_book


@pytest.fixture
def root(tmp_path):
    return copy_book(tmp_path)


def _ids(book):
    return {p.slug: p.pk for p in book.pages.all()}


def test_it_is_idempotent(db, data_dir, root):
    first = import_book(root, slug="tiny")
    ids = _ids(first.book)
    again = import_book(root, slug="tiny")
    assert (again.book.pk, again.created, again.updated, again.removed, again.unchanged) == (
        first.book.pk,
        [],
        [],
        [],
        11,
    )
    assert _ids(again.book) == ids


def test_changed_text_updates_the_same_row_and_url(client, db, data_dir, root):
    book = import_book(root, slug="tiny").book
    ids = _ids(book)
    page = root / "basics" / "images.md"
    page.write_text(page.read_text().replace("Images without a tag.", "Images that lost their tag."))
    report = import_book(root, slug="tiny")
    assert report.updated == ["basics-images"]
    assert _ids(report.book) == ids
    html = client.get("/books/tiny/basics-images/").content.decode()
    assert "Images that lost their tag." in html and "Images without a tag." not in html


def test_a_removed_section_is_gone_and_the_rest_keep_their_ids(client, db, data_dir, root):
    book = import_book(root, slug="tiny").book
    ids = _ids(book)
    summary = root / "SUMMARY.md"
    summary.write_text(summary.read_text().replace("    * [Build context](build/context.md)\n", ""))
    report = import_book(root, slug="tiny")
    assert report.removed == ["build-context"]
    del ids["build-context"]
    assert _ids(report.book) == ids
    assert client.get("/books/tiny/build-context/").status_code == 404
    assert not BookPage.objects.filter(slug="build-context").exists()


def test_moving_a_section_changes_its_parent_and_order(db, data_dir, root):
    import_book(root, slug="tiny")
    summary = root / "SUMMARY.md"
    text = summary.read_text().replace("    * [Build context](build/context.md)\n", "")
    summary.write_text(
        text.replace("  * [Running containers]", "  * [Build context](build/context.md)\n  * [Running containers]")
    )
    book = import_book(root, slug="tiny").book
    moved = book.pages.get(slug="build-context")
    assert (moved.parent.slug, moved.depth, moved.order) == ("basics", 1, 2)


def test_an_image_no_longer_used_is_deleted(db, data_dir, root, django_capture_on_commit_callbacks):
    book = import_book(root, slug="tiny").book
    (name,) = BookImage.objects.filter(book=book, source_path="_images/layers.png").values_list("name", flat=True)
    others = set(BookImage.objects.exclude(name=name).values_list("name", flat=True))
    for path in ["basics/run.md", "build/context.md"]:
        page = root / path
        page.write_text("\n".join(line for line in page.read_text().splitlines() if "_images" not in line))
    with django_capture_on_commit_callbacks(execute=True):
        import_book(root, slug="tiny")
    assert set(BookImage.objects.filter(book=book).values_list("name", flat=True)) == others
    assert not (data_dir / "books" / "tiny" / name).exists()
    assert {path.name for path in (data_dir / "books" / "tiny").iterdir()} == others


def test_reimporting_the_whole_fixture_changes_no_byte(db, data_dir, root):
    import_book(root, slug="tiny")
    before = list(BookPage.objects.order_by("pk").values("slug", "html", "toc", "part", "title"))
    report = import_book(root, slug="tiny")
    assert (report.created, report.updated, report.removed) == ([], [], [])
    assert list(BookPage.objects.order_by("pk").values("slug", "html", "toc", "part", "title")) == before


def test_a_broken_reimport_changes_nothing(client, db, data_dir, root):
    book = import_book(root, slug="tiny").book
    before = list(BookPage.objects.order_by("pk").values())
    (root / "basics" / "images.md").write_text("# Changed\n")
    (root / "build" / "context.md").unlink()
    with pytest.raises(Exception, match="build/context.md"):
        import_book(root, slug="tiny")
    assert list(BookPage.objects.order_by("pk").values()) == before
    assert client.get(book.pages.get(slug="basics-images").get_absolute_url()).status_code == 200
