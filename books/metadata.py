"""What a GitBook book says about itself: book.json, and LANGS.md of a multi-language book.

GitBook keeps settings in book.json (`"language": "zh-hans"`, `"title"`). A
multi-language book has LANGS.md at its root, listing one folder per
language (`* [English](en/)`); each folder is a book of its own, and its
folder name is its language code.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from markdown_it import MarkdownIt

BOOK_JSON = "book.json"
LANGS_FILE = "LANGS.md"


@dataclass(frozen=True)
class Language:
    code: str
    source: str  # where it came from, for the import summary
    warning: str = ""


def known_languages():
    return [code for code, _ in settings.LANGUAGES]


def normalize_language(value):
    """A code of LANGUAGES for what a book says (`zh`, `zh_CN`, `en-US` ...), or None."""
    value = str(value).strip().lower().replace("_", "-")
    known = known_languages()
    if value in known:
        return value
    base = value.split("-")[0]
    if base == "zh" and "zh-hans" in known:
        return "zh-hans"  # the only Chinese the interface speaks
    return next((code for code in known if code.split("-")[0] == base), None)


def read_book_json(root):
    """book.json as a dict ({} if absent), and a warning if it cannot be read."""
    path = Path(root) / BOOK_JSON
    if not path.is_file():
        return {}, ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, f"{BOOK_JSON} is not valid JSON ({exc}); ignored"
    if not isinstance(data, dict):
        return {}, f"{BOOK_JSON} is not a JSON object; ignored"
    return data, ""


def langs_links(langs_file):
    """The folder names LANGS.md links to, in order."""
    tokens = MarkdownIt("commonmark").parse(langs_file.read_text(encoding="utf-8", errors="replace"))
    folders = []
    for token in tokens:
        for child in token.children or ():
            href = child.attrGet("href") if child.type == "link_open" else None
            if href and "://" not in href:
                folders.append(href.strip("./").split("/")[0])
    return [folder for folder in folders if folder]


def book_language(root, default):
    """The book's language: book.json, else its folder in the parent's LANGS.md, else `default`."""
    root = Path(root).resolve()
    data, _ = read_book_json(root)
    if data.get("language"):
        code = normalize_language(data["language"])
        if code:
            return Language(code, f"{BOOK_JSON}")
        return Language(
            default,
            "LANGUAGE_CODE",
            (
                f"{BOOK_JSON} says language {data['language']!r}, which this site has no translation for "
                f"({', '.join(known_languages())}); imported as {default}; give --language to choose"
            ),
        )
    langs = root.parent / LANGS_FILE
    if langs.is_file() and root.name in langs_links(langs):
        code = normalize_language(root.name)
        if code:
            return Language(code, f"../{LANGS_FILE}")
    return Language(default, "LANGUAGE_CODE")


def book_json_title(root):
    data, _ = read_book_json(root)
    title = data.get("title")
    return title.strip()[:200] if isinstance(title, str) and title.strip() else ""
