"""Whatever a book holds, its pages carry no script, event handler or javascript: URL."""

import html as html_lib
import re

from books.services import import_book
from books.tests.helpers import copy_book, elements, page_html


def _text(markup):
    """What a reader sees: the markup without tags, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", markup))


def test_script_and_handlers_in_the_book_never_reach_the_page(client, book):
    html = client.get("/books/tiny/basics-run/").content.decode()
    body = html.split('<div class="lesson-body">')[1].split("</article>")[0]
    assert "book script" not in body  # dropped with its content, not shown as source either
    assert all(tag != "script" for tag, _ in elements(body))
    assert not any(name.startswith("on") for _, attrs in elements(body) for name in attrs)
    assert "javascript:" not in "".join(attrs.get("href", "") for _, attrs in elements(body))
    assert "onerror" not in body


def test_raw_html_and_dangerous_urls_are_dropped(db, data_dir, tmp_path):
    root = copy_book(tmp_path)
    (root / "build" / "README.md").write_text(
        "# Building\n\n"
        '<iframe src="https://evil.example"></iframe>\n\n'
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) "
        '[vb](vbscript:msgbox) <a href="javascript:alert(2)">raw</a>\n\n'
        "<style>body { display: none }</style>\n\n"
        '<form action="/accounts/logout/"><input type="submit"><button>Go</button></form>\n\n'
        '<div id="terminal-pane" class="callout" style="position: fixed">clobber</div>\n\n'
        "<svg><script>alert(3)</script></svg>\n\n"
        "```html\n<script>alert('in code is fine as text')</script>\n```\n"
    )
    html = page_html(import_book(root, slug="tiny").book, "build")
    tags = elements(html)
    assert {tag for tag, _ in tags} <= {"h1", "p", "a", "div", "button", "pre", "span"}
    assert all("href" not in attrs for _, attrs in tags)
    assert ("div", {}) in tags  # no id, class or style from the book
    assert "display: none" not in html and "alert(3)" not in html and "<input" not in html
    assert [attrs.get("class") for tag, attrs in tags if tag == "button"] == ["copy-btn"]  # the form's is gone
    assert "<script>alert('in code is fine as text')</script>" in _text(html)
