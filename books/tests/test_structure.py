"""Titles, order, nesting and parts come from SUMMARY.md; the pages are browsable."""

from books.models import Book
from books.services import import_book
from books.tests.helpers import FIXTURE_BOOK, SLUG, copy_book, elements

PART_ONE, PART_TWO = "Part one: the basics", "Part two: going further"


def _outline(book):
    return [(p.slug, p.title, p.depth, p.parent.slug if p.parent else None) for p in book.pages.order_by("order")]


def test_it_takes_titles_order_and_nesting_from_summary(book):
    assert _outline(book) == [
        ("intro", "Welcome", 0, None),
        ("basics", "Basics", 0, None),
        ("basics-run", "Running containers", 1, "basics"),
        ("basics-images", "Listing images", 1, "basics"),
        ("basics-stop", "Stopping containers", 1, "basics"),
        ("build", "Building", 0, None),
        ("build-dockerfile", "A first Dockerfile", 1, "build"),
        ("build-context", "Build context", 2, "build-dockerfile"),
        ("build-instructions", "Dockerfile instructions", 1, "build"),
        ("layers", "3. How images are made", 0, None),
        ("layers-layers", "3.1 Layers", 1, "layers"),
    ]
    assert list(book.pages.order_by("order").values_list("order", flat=True)) == list(range(11))


def test_each_page_knows_the_part_of_summary_it_comes_under(book):
    parts = dict(book.pages.values_list("slug", "part"))
    assert parts["intro"] == ""
    assert {parts[slug] for slug in ["basics", "basics-run", "build", "build-context"]} == {PART_ONE}
    assert parts["layers"] == parts["layers-layers"] == PART_TWO


def test_it_names_the_book_from_its_readme(book):
    assert (book.slug, book.title, book.language) == (SLUG, "A Tiny Docker Book", "en")


def test_it_adds_readme_as_intro_when_summary_leaves_it_out(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    summary = root / "SUMMARY.md"
    summary.write_text(summary.read_text().replace("* [Welcome](README.md)\n", ""))
    book = import_book(root, slug="tiny2").book
    first = book.pages.order_by("order").first()
    assert (first.slug, first.title, first.depth, first.part) == ("intro", "A Tiny Docker Book", 0, "")
    assert book.pages.count() == 11


def test_the_slug_defaults_to_the_directory_name(db, data_dir):
    report = import_book(FIXTURE_BOOK)
    assert report.book.slug == "book"
    assert Book.objects.count() == 1


def test_the_index_lists_books(client, book):
    response = client.get("/books/")
    assert response.status_code == 200
    assert ("a", {"href": "/books/tiny/", "lang": "en"}) in elements(response.content.decode())
    assert "A Tiny Docker Book" in response.content.decode()


def test_the_table_of_contents_nests_sections(client, book):
    html = client.get("/books/tiny/").content.decode()
    hrefs = [a["href"] for tag, a in elements(html) if tag == "a" and a["href"].startswith("/books/tiny/")]
    assert hrefs == [f"/books/tiny/{slug}/" for slug, *_ in _outline(book)]
    # build-context sits three lists deep: the part's list, Building's, A first Dockerfile's
    before = html.split("Build context")[0]
    assert before.count("<ul") - before.count("</ul>") == 3


def test_the_table_of_contents_shows_parts_and_only_the_books_own_numbers(client, book):
    html = client.get("/books/tiny/").content.decode()
    assert "<ol" not in html  # no list numbers over "3. How images are made"
    assert [tag for tag, attrs in elements(html) if attrs.get("class") == "book-part"] == ["section", "section"]
    body = html.split("<h1>A Tiny Docker Book</h1>")[1]
    # The intro comes before any part; then each part's heading, then its pages.
    order = [
        body.index(text)
        for text in [
            ">Welcome<",
            f"<h2>{PART_ONE}</h2>",
            ">Basics<",
            ">Dockerfile instructions<",
            f"<h2>{PART_TWO}</h2>",
            ">3. How images are made<",
            ">3.1 Layers<",
        ]
    ]
    assert order == sorted(order)
    part_one = body.split(f"<h2>{PART_ONE}</h2>")[1].split("</section>")[0]
    assert ">3. How images are made<" not in part_one and ">Building<" in part_one


def test_a_summary_titled_at_the_second_level_has_that_title_as_no_part(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    summary = root / "SUMMARY.md"
    summary.write_text(summary.read_text().replace("# Summary", "## 目录"))
    book = import_book(root, slug="titled").book
    assert book.pages.get(slug="intro").part == ""
    assert book.pages.get(slug="basics").part == PART_ONE


def test_a_summary_without_parts_lists_every_page_in_one_list(client, db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    summary = root / "SUMMARY.md"
    summary.write_text("\n".join(line for line in summary.read_text().splitlines() if not line.startswith("## ")))
    import_book(root, slug="flat")
    html = client.get("/books/flat/").content.decode()
    assert "book-part" not in html
    # one list of chapters, and one in each of Basics, Building, A first Dockerfile and 3.
    assert html.count('<ul class="book-pages">') == 5


def test_a_page_has_the_terminal_and_previous_next(client, alice, book):
    client.force_login(alice)
    html = client.get("/books/tiny/basics-run/").content.decode()
    tags = elements(html)
    assert (
        "section",
        {
            "id": "terminal-pane",
            "class": "terminal-pane",
            "data-ws-path": "/ws/terminal/",
            "data-read-only": "false",
            "data-text-ports": "Open:",
        },
    ) in tags
    assert ("a", {"class": "prev", "rel": "prev", "href": "/books/tiny/basics/"}) in tags
    assert ("a", {"class": "next", "rel": "next", "href": "/books/tiny/basics-images/"}) in tags


def test_unknown_books_and_pages_are_404(client, book):
    assert client.get("/books/nope/").status_code == 404
    assert client.get("/books/tiny/nope/").status_code == 404
