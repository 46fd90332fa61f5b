"""Image files are what their content says: served with that type; a file that
is no image is left out and reported."""

import hashlib

import pytest

from books import images
from books.services import import_book
from books.tests.helpers import FIXTURE_BOOK, copy_book, elements, page_html

COVER = (FIXTURE_BOOK / "_images" / "cover.jpg").read_bytes()  # PNG data
COVER_URL = f"/books/tiny/_images/{hashlib.sha256(COVER).hexdigest()}.png"


def test_a_jpg_holding_png_data_is_served_as_png(client, book, data_dir):
    assert ("img", {"src": COVER_URL, "width": "300", "alt": "The cover"}) in elements(page_html(book, "intro"))
    response = client.get(COVER_URL)
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == COVER


def test_an_svg_is_served_as_svg_and_cannot_run_script(client, book):
    (src,) = [a["src"] for tag, a in elements(page_html(book, "layers")) if tag == "img" and a["src"].endswith(".svg")]
    response = client.get(src)
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_png_that_is_a_web_page_is_left_out_with_its_alt_text(book, data_dir):
    for slug, alt in [("layers", "A picture that is really a web page"), ("layers-layers", "Picture of a web page")]:
        html = page_html(book, slug)
        assert alt in html
        assert not any(tag == "img" and alt == attrs.get("alt") for tag, attrs in elements(html))
    stored = {path.read_bytes()[:15] for path in (data_dir / "books" / "tiny").iterdir()}
    assert b"<!DOCTYPE html>" not in stored


def test_each_file_is_reported_once_with_what_it_is(db, data_dir):
    report = import_book(FIXTURE_BOOK, slug="tiny")
    assert [str(w) for w in report.warnings if w.kind == "image"] == [
        "README.md: image '_images/cover.jpg' (_images/cover.jpg) holds PNG data, not what .jpg says; served as PNG",
        "layers/README.md: image '../_images/broken.png' (_images/broken.png) is not an image but an HTML page; "
        "left out, its alt text shown",
    ]
    assert report.images == 3  # layers.png, cover.jpg (as PNG), stack.svg


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0..JFIF", "jpg"),
        (b"GIF89a....", "gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "svg"),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg>\n<svg>', "svg"),
        (b"<!DOCTYPE html><html></html>", None),
        (b"", None),
        (b"just text", None),
    ],
)
def test_content_is_sniffed(data, kind):
    assert images.sniff(data) == kind


def test_an_svg_named_png_is_served_as_svg(client, db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    (root / "_images" / "layers.png").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>')
    book = import_book(root, slug="tiny").book
    (src,) = {a["src"] for tag, a in elements(page_html(book, "basics-run")) if tag == "img" and a.get("alt")}
    assert src.endswith(".svg") and client.get(src)["Content-Type"] == "image/svg+xml"
