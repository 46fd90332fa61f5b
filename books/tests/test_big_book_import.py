"""A book of 200 pages holding every construct imports whole, and again
without changing anything. How long it takes: bench/book_import.py."""

from books.models import BookPage
from books.services import import_book
from books.tests.generated_book import PAGES, generated_book


def test_two_hundred_pages_import_and_again_unchanged(db, data_dir, tmp_path):
    root = generated_book(tmp_path / "big")
    first = import_book(root, slug="big")
    again = import_book(root, slug="big")
    assert BookPage.objects.filter(book=first.book).count() == PAGES
    assert (first.blocks.runnable, len(first.blocks.dockerfiles), first.blocks.diagrams) == (2 * 199, 199, 199)
    assert len(first.blocks.templates) == 2 * 199
    assert first.book.language == "zh-hans"
    assert (again.unchanged, again.created, again.updated, again.removed) == (PAGES, [], [], [])
