"""A book's own HTML renders through the sanitizer: figures, sized and aligned
images (their paths rewritten like Markdown's), line breaks, <details>, <kbd> ...
Anything else is left out quietly, comments too; the import names what it left out."""

import hashlib

import pytest

from books.services import BookImportError, import_book
from books.tests.helpers import FIXTURE_BOOK, copy_book, elements, page_html


def image_url(name, ext):
    digest = hashlib.sha256((FIXTURE_BOOK / "_images" / name).read_bytes()).hexdigest()
    return f"/books/tiny/_images/{digest}.{ext}"


def test_a_centred_cover_image_renders_with_its_width_and_a_served_path(book):
    tags = elements(page_html(book, "intro"))
    assert tags[:2] == [
        ("div", {"align": "center"}),
        ("img", {"src": image_url("cover.jpg", "png"), "width": "300", "alt": "The cover"}),
    ]


def test_a_figure_paragraph_keeps_its_image(book):
    tags = elements(page_html(book, "layers"))
    at = tags.index(("p", {"align": "center"}))
    assert tags[at + 1] == ("img", {"src": image_url("stack.svg", "svg"), "width": "240", "alt": "Three layers"})


def test_line_breaks_in_table_cells_and_inline_tags_render(book):
    html = page_html(book, "layers")
    assert "<td>the images<br>and their size</td>" in html
    assert "<kbd>Ctrl</kbd>+<kbd>D</kbd>" in html and "10<sup>3</sup>" in html
    assert (
        "<details>\n<summary>Why layers?</summary>\n<p>Because images that share a base store it once.</p>\n</details>"
        in html
    )


def test_other_html_is_left_out_quietly_and_never_shown_as_source(book):
    html = page_html(book, "layers")
    assert "iframe" not in html and "font" not in html and "&lt;" not in html.split("</table>")[1]
    assert "<p>Text of a dropped tag stays.</p>" in html


def test_comments_are_dropped(book):
    for slug, comment in [
        ("intro", "for the book's authors only"),
        ("layers", "canonical-example"),
        ("layers", "inline comment"),
        ("build-dockerfile", "canonical-example"),
    ]:
        html = page_html(book, slug)
        assert comment not in html and "&lt;!--" not in html, slug
    assert "<p>An image is a stack of read-only layers.</p>" in page_html(book, "layers")


def test_an_html_image_that_is_missing_is_an_error_like_a_markdown_one(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    page = root / "build" / "context.md"
    page.write_text(page.read_text() + '\n<img src="../_images/nowhere.png">\n')
    with pytest.raises(BookImportError) as caught:
        import_book(root, slug="tiny")
    assert caught.value.errors == [
        "build/context.md: image '../_images/nowhere.png' not found (looked for _images/nowhere.png)"
    ]


def test_html_links_go_to_pages_like_markdown_links(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    page = root / "build" / "context.md"
    page.write_text(page.read_text() + '\n<p><a href="../basics/run.md#top" id="x">Run</a> <a name="here"></a></p>\n')
    html = page_html(import_book(root, slug="tiny").book, "build-context")
    assert (
        '<a href="/books/tiny/basics-run/#top" rel="noopener noreferrer">Run</a> <a rel="noopener noreferrer"></a>'
        in html
    )


def test_an_h1_in_html_does_not_make_a_second_title(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    page = root / "build" / "context.md"
    page.write_text(page.read_text() + '\n<h1 align="center">Big</h1>\n')
    html = page_html(import_book(root, slug="tiny").book, "build-context")
    assert [tag for tag, _ in elements(html) if tag in ("h1", "h2")] == ["h1", "h2"]


def test_what_was_left_out_is_reported_once_per_page(db, data_dir):
    report = import_book(FIXTURE_BOOK, slug="tiny")
    assert [str(w) for w in report.warnings if w.kind == "html"] == [
        "basics/run.md: HTML not allowed on a page, left out: <script>",
        "layers/README.md: HTML not allowed on a page, left out: <font>, <iframe>",
    ]
