"""Importing a GitBook-style book into Book / BookPage rows.

Everything is read, checked and rendered before anything is written; then
the rows change in one transaction. A broken book leaves the database as it
was (image files are named by their content, so writing them early is
harmless; files no page uses are removed after the commit).
"""
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from books import images
from books.codeblocks import book_code_block
from books.models import Book, BookImage, BookPage
from books.summary import INTRO_FILE, BookError, first_heading, read_summary, resolve_in_book
from lessons.rendering import render_markdown

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PAGE_SLUG_MAX = 100
KEPT_SCHEMES = {"http", "https", "mailto"}
PAGE_FIELDS = ["title", "order", "depth", "source_path", "html", "toc"]


class BookImportError(Exception):
    """The book has problems; nothing was changed."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportReport:
    book: Book = None
    created: list = field(default_factory=list)  # page slugs
    updated: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: int = 0
    images: int = 0
    warnings: list = field(default_factory=list)

    def summary(self):
        return (
            f"Book {self.book.slug!r}: {len(self.created)} pages created, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged; {self.images} images."
        )


def page_slug(path):
    """`image/build.md` -> `image-build`; a folder's README.md is the folder; the book's is `intro`."""
    parts = path[: -len(".md")].split("/")
    if parts[-1].lower() in ("readme", "index"):
        parts.pop()
    slug = slugify("-".join(parts).replace("_", "-").replace(".", "-"))
    if path == INTRO_FILE:
        return "intro"
    return slug or ""


class _Renderer:
    """Renders one book's pages, collecting images, warnings and errors."""

    def __init__(self, root, book_slug, language, entries, slugs):
        self.root, self.book_slug, self.language = Path(root), book_slug, language
        self.urls = {e.path: reverse("books:page", args=[book_slug, slugs[e.path]]) for e in entries}
        self.slugs = slugs
        self.images = {}  # stored name -> bytes
        self.image_sources = {}  # stored name -> first book path
        self.warnings, self.errors = [], []

    def render(self, entry):
        text = (self.root / entry.path).read_text(encoding="utf-8")
        base = entry.path.rsplit("/", 1)[0] if "/" in entry.path else ""
        rendered = render_markdown(
            text,
            self.language,
            rewrite_url=lambda kind, url: (self._link if kind == "link" else self._image)(entry.path, base, url),
            fence=lambda info, code: book_code_block(info, code, self.slugs[entry.path]),
        )
        return rendered

    def _link(self, page, base, url):
        parts = urlsplit(url)
        if not url or url.startswith("#"):
            return url
        if parts.scheme or parts.netloc:
            if parts.scheme.lower() in KEPT_SCHEMES:
                return url
            self.warnings.append(f"{page}: link {url!r} dropped (only http, https and mailto links are kept)")
            return None
        try:
            target = resolve_in_book(self.root, base, url)
        except BookError as exc:
            self.warnings.append(f"{page}: link {url!r} {exc}; shown as plain text")
            return None
        if (self.root / target).is_dir():
            target = posixpath.normpath(posixpath.join(target, INTRO_FILE))
        if target not in self.urls:
            self.warnings.append(f"{page}: link {url!r} is to {target}, which is not a page of the book; shown as plain text")
            return None
        return self.urls[target] + (f"#{parts.fragment}" if parts.fragment else "")

    def _image(self, page, base, url):
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https"):
            return url
        if parts.scheme or parts.netloc:
            self.errors.append(f"{page}: image {url!r} is neither a file of the book nor an http(s) URL")
            return None
        try:
            target = resolve_in_book(self.root, base, url)
        except BookError as exc:
            self.errors.append(f"{page}: image {url!r} {exc}")
            return None
        ext = images.extension(target)
        if ext not in images.IMAGE_TYPES:
            self.errors.append(
                f"{page}: image {url!r} is not one of the image types served ({', '.join(images.IMAGE_TYPES)})"
            )
            return None
        if not (self.root / target).is_file():
            self.errors.append(f"{page}: image {url!r} not found (looked for {target})")
            return None
        data = (self.root / target).read_bytes()
        name = images.stored_name(data, ext)
        self.images[name] = data
        self.image_sources.setdefault(name, target)
        return reverse("books:image", args=[self.book_slug, name])


def _check_slugs(entries):
    slugs, owners, errors = {}, {}, []
    for entry in entries:
        slug = page_slug(entry.path)
        if not slug or len(slug) > PAGE_SLUG_MAX:
            errors.append(
                f"{entry.path}: cannot make a page URL from this file name; use latin letters, digits, - or _"
            )
        elif slug in owners:
            errors.append(f"{entry.path}: its page URL {slug!r} is the same as that of {owners[slug]}; rename one")
        owners.setdefault(slug, entry.path)
        slugs[entry.path] = slug
    return slugs, errors


def load_book(root, book_slug, language):
    """Read, check and render a whole book. Returns (pages, renderer); raises BookImportError."""
    root = Path(root)
    if not root.is_dir():
        raise BookImportError([f"{root}: not a directory"])
    try:
        entries = read_summary(root)
    except BookError as exc:
        raise BookImportError(str(exc).splitlines()) from None
    slugs, errors = _check_slugs(entries)
    if errors:
        raise BookImportError(errors)
    renderer = _Renderer(root, book_slug, language, entries, slugs)
    pages, parents = [], []
    for order, entry in enumerate(entries):
        del parents[entry.depth:]
        try:
            rendered = renderer.render(entry)
        except UnicodeDecodeError as exc:
            errors.append(f"{entry.path}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
            continue
        pages.append({
            "slug": slugs[entry.path],
            "title": entry.title[:300],
            "order": order,
            "depth": entry.depth,
            "source_path": entry.path,
            "html": rendered.html,
            "toc": rendered.toc,
            "parent_slug": parents[-1] if parents else None,
        })
        parents.append(slugs[entry.path])
    errors += renderer.errors
    if errors:
        raise BookImportError(errors)
    return pages, renderer


def book_title(root):
    intro = Path(root) / INTRO_FILE
    if intro.is_file():
        title = first_heading(intro.read_text(encoding="utf-8", errors="replace"))
        if title:
            return title[:200]
    return Path(root).resolve().name


def default_slug(root):
    return slugify(Path(root).resolve().name.replace("_", "-"))


def import_book(root, slug=None, language=None, title=None):
    """Import (or re-import, in place) the book in directory `root`."""
    root = Path(root)
    slug = slug or default_slug(root)
    language = language or settings.LANGUAGE_CODE
    known = [code for code, _ in settings.LANGUAGES]
    if not SLUG_RE.match(slug):
        raise BookImportError([f"book slug {slug!r}: use lowercase letters, digits and dashes (give --slug)"])
    if language not in known:
        raise BookImportError([f"language {language!r}: expected one of {', '.join(known)}"])
    pages, renderer = load_book(root, slug, language)
    images.write_images(slug, renderer.images)
    report = ImportReport(images=len(renderer.images), warnings=renderer.warnings)
    with transaction.atomic():
        book, _ = Book.objects.update_or_create(slug=slug, defaults={
            "title": title or book_title(root),
            "language": language,
            "source_path": str(root.resolve()),
        })
        report.book = book
        _save_pages(book, pages, report)
        book.images.exclude(name__in=renderer.images).delete()
        for name, source in renderer.image_sources.items():
            BookImage.objects.update_or_create(book=book, name=name, defaults={"source_path": source})
        keep = set(renderer.images)
        transaction.on_commit(lambda: images.prune_images(slug, keep))
    return report


def _save_pages(book, pages, report):
    # SUMMARY order puts every parent before its children, so parents are saved first.
    existing = {page.slug: page for page in book.pages.all()}
    saved = {}
    for values in pages:
        parent = saved.get(values["parent_slug"])
        page = existing.pop(values["slug"], None)
        if page is None:
            page = BookPage(book=book, slug=values["slug"])
            report.created.append(values["slug"])
        elif page.parent_id == (parent.pk if parent else None) and all(
            getattr(page, name) == values[name] for name in PAGE_FIELDS
        ):
            report.unchanged += 1
            saved[page.slug] = page
            continue
        else:
            report.updated.append(values["slug"])
        for name in PAGE_FIELDS:
            setattr(page, name, values[name])
        page.parent = parent
        page.save()
        saved[page.slug] = page
    BookPage.objects.filter(pk__in=[p.pk for p in existing.values()]).delete()
    report.removed = sorted(existing)
