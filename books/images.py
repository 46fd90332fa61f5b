"""Image files of imported books: stored by content hash under DATA_DIR/books/<book>/."""
import hashlib
import re
from pathlib import Path

from django.conf import settings

# Only these are copied and served; the type comes from the extension alone.
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
NAME_RE = re.compile(r"^[0-9a-f]{64}\.(?:%s)$" % "|".join(IMAGE_TYPES))


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
