"""Image files of imported books: stored by content hash under DATA_DIR/books/<book>/."""

import hashlib
import re
from pathlib import Path

from django.conf import settings

# Only these are copied and served. The type comes from the content (sniffed),
# the extension only says what the book meant.
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
NAME_RE = re.compile(rf"^[0-9a-f]{{64}}\.(?:{'|'.join(IMAGE_TYPES)})$")


SVG_RE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>]",
    re.DOTALL | re.IGNORECASE,
)
NAMES = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WebP", "svg": "SVG"}


def sniff(data):
    """The extension of the image type `data` holds, or None if it is not one of IMAGE_TYPES."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if SVG_RE.match(data[:65536]):
        return "svg"
    return None


def describe(data):
    """What a file that is not an image seems to be, for a warning."""
    if not data:
        return "an empty file"
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<head" in head:
        return "an HTML page"
    if head.startswith(b"<"):
        return "XML or HTML, not SVG"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "data of an unknown type"
    return "text"


def same_type(ext, sniffed):
    return IMAGE_TYPES.get(ext) == IMAGE_TYPES[sniffed]


def book_dir(book_slug):
    return Path(settings.DATA_DIR) / "books" / book_slug


def extension(path):
    return path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""


def stored_name(data, ext):
    return f"{hashlib.sha256(data).hexdigest()}.{ext}"


def content_type(name):
    return IMAGE_TYPES[name.rsplit(".", 1)[1]]


def write_images(book_slug, images):
    """Write {name: bytes} into the book's folder; a file already there is the same content."""
    directory = book_dir(book_slug)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        path = directory / name
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(path)


def prune_images(book_slug, keep):
    """Delete files of the book's folder that no imported page uses any more."""
    directory = book_dir(book_slug)
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink(missing_ok=True)
