"""Shared helpers for lessons tests: synthetic lesson directories and HTML parsing."""

import json
from html.parser import HTMLParser
from pathlib import Path


def write_lesson(root, language, filename, *, slug, title="A title", order=1, summary=None, body="Body."):
    lines = ["---", f"slug: {slug}", f"title: {title}", f"order: {order}"]
    if summary is not None:
        lines.append(f"summary: {summary}")
    lines += ["---", "", body, ""]
    path = Path(root) / language / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_course(root):
    """Three lessons in English, two in Chinese, written out of order on purpose."""
    write_lesson(root, "en", "03-third.md", slug="third", title="Third", order=3)
    write_lesson(
        root,
        "en",
        "01-first.md",
        slug="first",
        title="First",
        order=1,
        body="## Part one\n\nHello.\n\n## Part two\n\nBye.",
    )
    write_lesson(root, "en", "02-second.md", slug="second", title="Second", order=2)
    write_lesson(root, "zh-hans", "01-first.md", slug="first", title="第一课", order=1)
    write_lesson(root, "zh-hans", "02-second.md", slug="second", title="第二课", order=2)


class ElementCollector(HTMLParser):
    """Every start tag as (tag, {attr: value}), with entities decoded like a browser does."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def elements(html):
    parser = ElementCollector()
    parser.feed(html)
    parser.close()
    return parser.elements


def runnable_commands(html):
    """The decoded data-commands of every runnable block, in order."""
    return [
        json.loads(attrs["data-commands"])
        for tag, attrs in elements(html)
        if tag == "div" and "runnable" in (attrs.get("class") or "").split()
    ]
