"""Links between book files point at the imported pages; images are copied and served."""

import hashlib

import pytest

from books.services import BookImportError, import_book
from books.tests.helpers import FIXTURE_BOOK, copy_book, elements, page_html

PNG = (FIXTURE_BOOK / "_images" / "layers.png").read_bytes()
IMAGE_URL = f"/books/tiny/_images/{hashlib.sha256(PNG).hexdigest()}.png"


def _links(html):
    return [attrs["href"] for tag, attrs in elements(html) if tag == "a"]


def test_relative_links_become_page_urls_with_their_anchor(book):
    assert "/books/tiny/build-dockerfile/#the-from-line" in _links(page_html(book, "basics-run"))
    assert _links(page_html(book, "build-dockerfile")) == ["/books/tiny/basics-run/"]
    assert _links(page_html(book, "intro")) == ["/books/tiny/basics-run/"]


def test_the_anchor_exists_on_the_target_page(book):
    assert ("h2", {"id": "the-from-line"}) in elements(page_html(book, "build-dockerfile"))


def test_a_link_to_a_folder_goes_to_its_readme_page_and_external_links_stay(book):
    assert _links(page_html(book, "basics")) == ["/books/tiny/build/", "https://docs.docker.com/"]


def test_a_link_to_a_file_outside_the_book_is_plain_text_and_reported(db, data_dir):
    report = import_book(FIXTURE_BOOK, slug="tiny")
    html = page_html(report.book, "basics-run")
    assert "or a missing page." in html
    assert not any("notes" in href for href in _links(html))
    assert [str(w) for w in report.warnings if w.kind == "link"] == [
        "basics/run.md: link 'notes.md' is to basics/notes.md, which is not a page of the book; shown as plain text"
    ]


def test_images_are_rewritten_and_served(client, book, data_dir):
    assert ("img", {"src": IMAGE_URL, "alt": "Layers of a container"}) in elements(page_html(book, "basics-run"))
    assert ("img", {"src": IMAGE_URL, "alt": "context"}) in elements(page_html(book, "build-context"))
    assert (data_dir / "books" / "tiny" / IMAGE_URL.rsplit("/", 1)[1]).read_bytes() == PNG
    response = client.get(IMAGE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_only_imported_images_are_served(client, book, data_dir):
    (data_dir / "secret_key").write_text("s3cret")
    stray = "0" * 64 + ".png"
    (data_dir / "books" / "tiny" / stray).write_bytes(PNG)  # on disk, but not imported
    for url in [
        f"/books/tiny/_images/{stray}",
        "/books/tiny/_images/..%2F..%2Fsecret_key",
        "/books/tiny/_images/%2e%2e/%2e%2e/secret_key",
        "/books/tiny/_images/../../secret_key",
        "/books/tiny/_images/layers.png",
        f"/books/other/_images/{IMAGE_URL.rsplit('/', 1)[1]}",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"s3cret" not in response.content


def test_a_missing_image_is_an_error_naming_the_page(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    (root / "_images" / "layers.png").unlink()
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == [
        "basics/run.md: image '../_images/layers.png' not found (looked for _images/layers.png)",
        "build/context.md: image '../_images/layers.png' not found (looked for _images/layers.png)",
    ]
