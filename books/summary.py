"""Reading a GitBook SUMMARY.md: the book's chapters and sections, in order.

The file is parsed with the same CommonMark parser as the pages; its nested
bullet lists of links become entries with a depth. A heading below the
first level (GitBook's `## Part` lines) starts a *part*: the entries after
it belong to it, until the next heading or a `---` line. `# Summary` (or
`## 目录`, the file's own title) and other text between the lists are ignored.
"""

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

SUMMARY_FILE = "SUMMARY.md"
SUMMARY_TITLES = frozenset({"summary", "table of contents", "contents", "目录", "目錄"})
INTRO_FILE = "README.md"


class BookError(Exception):
    """One problem in a book, worded for the person importing it."""


@dataclass(frozen=True)
class Entry:
    title: str
    path: str  # normalized, relative to the book's root, "/" separated
    depth: int
    line: int  # in SUMMARY.md, from 1; 0 for an intro added from README.md
    part: str = ""  # the heading of SUMMARY.md this entry comes under


def _describe(line, title, href=None):
    where = f"{SUMMARY_FILE} line {line}"
    what = f"entry {title!r}" if title else "an entry"
    return f"{where}: {what}" + (f" -> {href!r}" if href is not None else "")


def resolve_in_book(root, base_dir, href):
    """The book-relative path a relative href points to.

    Raises BookError (without position) for anything that is not a plain
    relative path inside the book: URLs, absolute paths, `..` past the root,
    symlinks leading out.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        raise BookError("is a URL, not a file of the book")
    path = unquote(parts.path)
    if path.startswith("/") or path.startswith("\\") or (len(path) > 1 and path[1] == ":"):
        raise BookError("is an absolute path; use a path relative to the book")
    joined = posixpath.normpath(posixpath.join(base_dir, path))
    if joined == ".." or joined.startswith("../"):
        raise BookError("points outside the book directory")
    real = (Path(root) / joined).resolve()
    if not real.is_relative_to(Path(root).resolve()):
        raise BookError("leads outside the book directory")
    return joined


def _items(tokens):
    """(depth, line, inline token or None, part) for every list item, in order."""
    depth, part = -1, ""
    for idx, token in enumerate(tokens):
        if depth < 0 and token.type == "heading_open" and token.tag != "h1":
            text = "".join(c.content for c in tokens[idx + 1].children or () if c.type in ("text", "code_inline"))
            if text.strip().lower() not in SUMMARY_TITLES:  # `## 目录` is the file's title, not a part
                part = text.strip()
        elif depth < 0 and token.type == "hr":
            part = ""
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            inline = None
            if idx + 2 < len(tokens) and tokens[idx + 1].type == "paragraph_open":
                inline = tokens[idx + 2]
            yield depth, token.map[0] + 1, inline, part


def _link_of(inline):
    """(title, href) of the first link in an item's text; href None if it has no link."""
    children = inline.children if inline is not None else []
    for i, child in enumerate(children):
        if child.type == "link_open":
            text = []
            for inner in children[i + 1 :]:
                if inner.type == "link_close":
                    break
                text.append(inner.content)
            return "".join(text).strip(), child.attrGet("href") or ""
    return "".join(c.content for c in children).strip(), None


def _entry(root, depth, line, inline, part):
    title, href = _link_of(inline)
    if href is None or not href.strip():
        raise BookError(f"{_describe(line, title)} has no link to a file")
    if not title:
        raise BookError(f"{_describe(line, title, href)} has an empty title")
    if "#" in href:
        raise BookError(f"{_describe(line, title, href)} links into a page (#...); list whole files")
    try:
        path = resolve_in_book(root, "", href)
    except BookError as exc:
        raise BookError(f"{_describe(line, title, href)} {exc}") from None
    if not path.lower().endswith(".md"):
        raise BookError(f"{_describe(line, title, href)} is not a Markdown (.md) file")
    if not (Path(root) / path).is_file():
        raise BookError(f"{_describe(line, title, href)}: file not found in the book")
    return Entry(title=title, path=path, depth=depth, line=line, part=part)


def first_heading(text):
    """The text of a Markdown document's first `#` heading, or ""."""
    tokens = MarkdownIt("commonmark").parse(text)
    for idx, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[idx + 1].content.strip()
    return ""


def read_summary(root):
    """Every entry of root/SUMMARY.md, the intro README.md first if SUMMARY leaves it out.

    Raises BookError listing every broken entry (one per line).
    """
    root = Path(root)
    summary = root / SUMMARY_FILE
    if not summary.is_file():
        raise BookError(f"{root}: no {SUMMARY_FILE} (a GitBook book lists its pages there)")
    try:
        text = summary.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BookError(f"{SUMMARY_FILE}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    entries, errors, seen = [], [], {}
    for depth, line, inline, part in _items(MarkdownIt("commonmark").parse(text)):
        try:
            entry = _entry(root, depth, line, inline, part)
        except BookError as exc:
            errors.append(str(exc))
            continue
        if entry.path in seen:
            errors.append(
                f"{_describe(line, entry.title, entry.path)} lists a file already listed on line {seen[entry.path]}"
            )
            continue
        seen[entry.path] = line
        entries.append(entry)
    if errors:
        raise BookError("\n".join(errors))
    if not entries:
        raise BookError(f"{SUMMARY_FILE} lists no pages (expected lines like `* [Title](dir/file.md)`)")
    intro = root / INTRO_FILE
    if INTRO_FILE not in seen and intro.is_file():
        title = first_heading(intro.read_text(encoding="utf-8")) or "Introduction"
        entries.insert(0, Entry(title=title, path=INTRO_FILE, depth=0, line=0))
    return entries
