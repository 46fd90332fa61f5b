from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from books import images
from books.models import Book, BookImage, BookPage


def index(request):
    return render(request, "books/index.html", {"books": Book.objects.all()})


def _tree(pages):
    """Pages in reading order as nested {"page", "children"} nodes."""
    roots, open_nodes = [], []
    for page in pages:
        node = {"page": page, "children": []}
        del open_nodes[page.depth :]
        (open_nodes[-1]["children"] if open_nodes else roots).append(node)
        open_nodes.append(node)
    return roots


def _parts(tree):
    """Top-level nodes grouped by the SUMMARY.md part they come under, in order."""
    parts = []
    for node in tree:
        if not parts or parts[-1]["title"] != node["page"].part:
            parts.append({"title": node["page"].part, "nodes": []})
        parts[-1]["nodes"].append(node)
    return parts


def toc(request, book):
    book = get_object_or_404(Book, slug=book)
    return render(request, "books/toc.html", {"book": book, "parts": _parts(_tree(book.pages.order_by("order")))})


def page(request, book, page):
    page = get_object_or_404(BookPage.objects.select_related("book", "parent"), book__slug=book, slug=page)
    return render(
        request,
        "books/page.html",
        {
            "book": page.book,
            "page": page,
            "previous": page.get_previous(),
            "next": page.get_next(),
        },
    )


@require_safe
def image(request, book, name):
    """One image the import copied; the name is checked before any path is built."""
    if not images.NAME_RE.match(name) or not BookImage.objects.filter(book__slug=book, name=name).exists():
        raise Http404("No such image.")
    path = images.book_dir(book) / name
    if not path.is_file():
        raise Http404("No such image.")
    response = FileResponse(path.open("rb"), content_type=images.content_type(name))
    response["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not run script in the site's origin.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # the name is the content's hash
    return response
