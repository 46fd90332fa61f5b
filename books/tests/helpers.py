"""The synthetic book under fixtures/book and ways to import it or a broken copy."""

import shutil
from pathlib import Path

import pytest

from books.services import import_book
from lessons.tests.helpers import elements, runnable_commands  # noqa: F401 (re-exported)

FIXTURE_BOOK = Path(__file__).parent / "fixtures" / "book"
SLUG = "tiny"


def copy_book(tmp_path, name="book"):
    """A writable copy of the synthetic book, to change or break."""
    target = Path(tmp_path) / name
    shutil.copytree(FIXTURE_BOOK, target)
    return target


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def book(db, data_dir):
    """The synthetic book, imported as `tiny`."""
    return import_book(FIXTURE_BOOK, slug=SLUG, language="en").book


def page_html(book, slug):
    return book.pages.get(slug=slug).html
