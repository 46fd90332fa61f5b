"""Without --language, the book says which language it is in: book.json, or
LANGS.md of a book in several languages."""

import json

import pytest

from books.metadata import normalize_language
from books.services import BookImportError, import_book
from books.tests.helpers import copy_book, elements, page_html


def _with_book_json(tmp_path, data):
    root = copy_book(tmp_path)
    (root / "book.json").write_text(data if isinstance(data, str) else json.dumps(data))
    return root


def test_book_json_gives_the_language(client, db, data_dir, tmp_path):
    report = import_book(_with_book_json(tmp_path, {"language": "zh-hans"}), slug="zh")
    assert (report.book.language, report.language_source) == ("zh-hans", "book.json")
    html = client.get("/books/zh/basics-run/").content.decode()
    assert ("article", {"class": "lesson-text book-page", "lang": "zh-hans"}) in elements(html)
    assert ">运行</button>" in page_html(report.book, "basics-run")


def test_the_option_wins_over_book_json(db, data_dir, tmp_path):
    report = import_book(_with_book_json(tmp_path, {"language": "zh-hans"}), slug="zh", language="en")
    assert (report.book.language, report.language_source) == ("en", "--language")


@pytest.mark.parametrize(
    "value,code",
    [
        ("zh-hans", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh_CN", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr", None),
    ],
)
def test_gitbook_language_codes_are_understood(value, code):
    assert normalize_language(value) == code


def test_a_language_without_translation_is_imported_in_the_default_and_said(db, data_dir, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    report = import_book(_with_book_json(tmp_path, {"language": "fr"}), slug="fr")
    assert report.book.language == "en"
    assert [str(w) for w in report.warnings if w.kind == "book"] == [
        "book.json says language 'fr', which this site has no translation for (en, zh-hans); "
        "imported as en; give --language to choose"
    ]


def test_a_broken_book_json_is_said_and_ignored(db, data_dir, tmp_path):
    report = import_book(_with_book_json(tmp_path, "{not json"), slug="broken")
    assert report.book.language == "en"
    (warning,) = [str(w) for w in report.warnings if w.kind == "book"]
    assert warning.startswith("book.json is not valid JSON (")


def test_book_json_may_name_the_book(db, data_dir, tmp_path):
    book = import_book(_with_book_json(tmp_path, {"title": "Docker, from the start"}), slug="named").book
    assert book.title == "Docker, from the start"


def test_a_language_folder_listed_in_langs_md_is_that_language(db, data_dir, tmp_path):
    top = tmp_path / "multi"
    top.mkdir()
    (top / "LANGS.md").write_text("# Languages\n\n* [English](en/)\n* [中文](zh/)\n")
    root = copy_book(top, "zh")
    (root / "book.json").unlink()
    report = import_book(root, slug="multi-zh")
    assert (report.book.language, report.language_source) == ("zh-hans", "../LANGS.md")


def test_the_top_of_a_book_in_several_languages_says_which_folders_to_import(db, data_dir, tmp_path):
    (tmp_path / "LANGS.md").write_text("* [English](en/)\n* [中文](./zh/)\n")
    with pytest.raises(BookImportError) as caught:
        import_book(tmp_path, slug="multi")
    assert caught.value.errors == [
        f"{tmp_path}: a book in several languages (LANGS.md); import one language's folder: en/, zh/"
    ]


def test_without_a_word_from_the_book_the_site_default_is_used(db, data_dir, tmp_path, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    root = copy_book(tmp_path)
    (root / "book.json").unlink()
    report = import_book(root, slug="plain")
    assert (report.book.language, report.language_source) == ("zh-hans", "LANGUAGE_CODE")
    assert report.summary().startswith("Book 'plain' (zh-hans, from LANGUAGE_CODE): 11 pages")
