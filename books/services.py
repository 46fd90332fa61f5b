"""Importing a GitBook-style book into Book / BookPage rows.

Everything is read, checked and rendered before anything is written; then
the rows change in one transaction. A broken book leaves the database as it
was (image files are named by their content, so writing them early is
harmless; files no page uses are removed after the commit).
"""

import posixpath
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext

from books import images, markup, metadata, rawhtml
from books.codeblocks import BlockStats, PageBlocks
from books.models import Book, BookImage, BookPage
from books.report import ImportReport, ImportWarning
from books.summary import INTRO_FILE, SUMMARY_FILE, BookError, first_heading, read_summary, resolve_in_book
from lessons.rendering import render_markdown
from lessons.steps import SLUG_RE

PAGE_SLUG_MAX = 100
KEPT_SCHEMES = {"http", "https", "mailto"}
PAGE_FIELDS = ["title", "order", "depth", "part", "source_path", "html", "toc"]


class BookImportError(Exception):
    """The book has problems; nothing was changed."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def callout_labels(language):
    with translation.override(language):
        return {
            "note": gettext("Note"),
            "tip": gettext("Tip"),
            "important": gettext("Important"),
            "warning": gettext("Warning"),
            "caution": gettext("Caution"),
        }


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
        self.sniffed = {}  # book path -> stored name, or None when it is not an image
        self.warnings, self.errors = [], []
        self.blocks = BlockStats()
        self.plugins = (markup.callouts_plugin(callout_labels(language)), markup.task_lists, markup.one_title)

    def warn(self, kind, page, message):
        self.warnings.append(ImportWarning(kind, page, message))

    def render(self, entry):
        text = (self.root / entry.path).read_text(encoding="utf-8")
        base = entry.path.rsplit("/", 1)[0] if "/" in entry.path else ""

        def rewrite_url(kind, url):
            return (self._link if kind == "link" else self._image)(entry.path, base, url)

        dropped = set()
        rendered = render_markdown(
            text,
            self.language,
            rewrite_url=rewrite_url,
            fence=PageBlocks(entry.path, self.slugs[entry.path], self.blocks),
            raw_html=lambda html: rawhtml.rewrite(html, rewrite_url, dropped),
            plugins=self.plugins,
        )
        if dropped:
            tags = ", ".join(f"<{tag}>" for tag in sorted(dropped))
            self.warn("html", entry.path, f"HTML not allowed on a page, left out: {tags}")
        return rendered

    def _link(self, page, base, url):
        parts = urlsplit(url)
        if not url or url.startswith("#"):
            return url
        if parts.scheme or parts.netloc:
            if parts.scheme.lower() in KEPT_SCHEMES:
                return url
            self.warn("link", page, f"link {url!r} dropped (only http, https and mailto links are kept)")
            return None
        try:
            target = resolve_in_book(self.root, base, url)
        except BookError as exc:
            self.warn("link", page, f"link {url!r} {exc}; shown as plain text")
            return None
        if (self.root / target).is_dir():
            target = posixpath.normpath(posixpath.join(target, INTRO_FILE))
        if target not in self.urls:
            self.warn(
                "link", page, f"link {url!r} is to {target}, which is not a page of the book; shown as plain text"
            )
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
        if target not in self.sniffed:
            self.sniffed[target] = self._store_image(page, url, target, ext)
        name = self.sniffed[target]
        return reverse("books:image", args=[self.book_slug, name]) if name else None

    def _store_image(self, page, url, target, ext):
        """The stored name of an image file, by its content; None (and a warning) if it is no image."""
        data = (self.root / target).read_bytes()
        sniffed = images.sniff(data)
        if sniffed is None:
            self.warn(
                "image",
                page,
                (f"image {url!r} ({target}) is not an image but {images.describe(data)}; left out, its alt text shown"),
            )
            return None
        if not images.same_type(ext, sniffed):
            self.warn(
                "image",
                page,
                (
                    f"image {url!r} ({target}) holds {images.NAMES[sniffed]} data, not what .{ext} says; "
                    f"served as {images.NAMES[sniffed]}"
                ),
            )
        name = images.stored_name(data, sniffed)
        self.images[name] = data
        self.image_sources.setdefault(name, target)
        return name


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
    langs = root / metadata.LANGS_FILE
    if langs.is_file() and not (root / SUMMARY_FILE).is_file():
        folders = ", ".join(f"{folder}/" for folder in metadata.langs_links(langs))
        raise BookImportError(
            [f"{root}: a book in several languages ({metadata.LANGS_FILE}); import one language's folder: {folders}"]
        )
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
        del parents[entry.depth :]
        try:
            rendered = renderer.render(entry)
        except UnicodeDecodeError as exc:
            errors.append(f"{entry.path}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
            continue
        pages.append(
            {
                "slug": slugs[entry.path],
                "title": entry.title[:300],
                "order": order,
                "depth": entry.depth,
                "part": entry.part[:200],
                "source_path": entry.path,
                "html": rendered.html,
                "toc": rendered.toc,
                "parent_slug": parents[-1] if parents else None,
            }
        )
        parents.append(slugs[entry.path])
    errors += list(dict.fromkeys(renderer.errors))  # a page may use a missing image twice
    if errors:
        raise BookImportError(errors)
    return pages, renderer


def book_title(root):
    """book.json's title, else the first `#` heading of README.md, else the folder's name."""
    if title := metadata.book_json_title(root):
        return title
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
    known = metadata.known_languages()
    if not SLUG_RE.match(slug):
        raise BookImportError([f"book slug {slug!r}: use lowercase letters, digits and dashes (give --slug)"])
    if language is not None and language not in known:
        raise BookImportError([f"language {language!r}: expected one of {', '.join(known)}"])
    found = (
        metadata.Language(language, "--language") if language else metadata.book_language(root, settings.LANGUAGE_CODE)
    )
    _, json_problem = metadata.read_book_json(root)
    pages, renderer = load_book(root, slug, found.code)
    images.write_images(slug, renderer.images)
    report = ImportReport(
        images=len(renderer.images),
        blocks=renderer.blocks,
        language_source=found.source,
        warnings=[ImportWarning("book", "", problem) for problem in (found.warning, json_problem) if problem]
        + renderer.warnings,
    )
    with transaction.atomic():
        book, _ = Book.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title or book_title(root),
                "language": found.code,
                "source_path": str(root.resolve()),
            },
        )
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
