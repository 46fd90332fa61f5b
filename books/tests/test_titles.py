"""One title per page: the page's own opening heading, whatever its level, or
SUMMARY's title when the page opens with text."""

from books.services import import_book
from books.tests.helpers import copy_book, elements


def _headings(html):
    return [tag for tag, _ in elements(html) if tag in ("h1", "h2", "h3", "h4", "h5", "h6")]


def _page(client, slug, book="tiny"):
    html = client.get(f"/books/{book}/{slug}/").content.decode()
    return html.split("<article")[1].split("</article>")[0]


def test_every_page_has_exactly_one_h1(client, book):
    for page in book.pages.all():
        assert _headings(_page(client, page.slug)).count("h1") == 1, page.slug


def test_a_page_opening_with_a_level_two_heading_has_it_as_its_title(client, book):
    article = _page(client, "layers-layers")
    assert '<h1 id="31-layers">3.1 Layers</h1>' in article
    assert "3.1 Layers</h1>" in article and article.count("3.1 Layers") == 1  # not SUMMARY's title again
    # `###` and `####` move up with it.
    assert _headings(article) == ["h1", "h2", "h3"]
    assert book.pages.get(slug="layers-layers").toc == [
        {"level": 2, "id": "looking-at-layers", "text": "Looking at layers"},
        {"level": 3, "id": "sizes", "text": "Sizes"},
    ]


def test_html_and_comments_before_the_heading_do_not_stop_it_being_the_title(client, book):
    assert '<h1 id="a-tiny-docker-book">A Tiny Docker Book</h1>' in _page(client, "intro")
    assert '<h1 id="3-how-images-are-made">3. How images are made</h1>' in _page(client, "layers")


def test_a_page_opening_with_text_gets_summarys_title_and_its_headings_stay_below(client, db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    (root / "build" / "context.md").write_text("Some text first.\n\n# A heading later\n\n## Below it\n")
    import_book(root, slug="late")
    article = _page(client, "build-context", "late")
    assert "<h1>Build context</h1>" in article
    assert _headings(article) == ["h1", "h2", "h2"]
