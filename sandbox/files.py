"""The file editor's rules that need no sandbox: which paths a student may
name, and which bytes count as text.

A path is taken relative to the home folder ("hello/Dockerfile"), with a
tilde ("~/hello/Dockerfile") or absolute under it ("/root/hello/Dockerfile").
`..` is refused outright rather than folded away, and so are control
characters. What the path names once symlinks are followed is checked again
by the backend, where the files are.
"""

from __future__ import annotations

import hashlib

from sandbox.backends.base import HOME, FileProblem

MAX_PATH = 1024
MAX_NAME = 255


def normalize_path(text: str) -> str:
    """The absolute path under HOME that `text` names, or FileProblem("invalid"/"outside")."""
    if not isinstance(text, str) or len(text) > MAX_PATH:
        raise FileProblem("invalid", str(text)[:100])
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise FileProblem("invalid", text.encode("unicode_escape").decode()[:100])
    text = text.strip()
    if text in ("", "~"):
        return HOME
    if text.startswith("~/"):
        rest = text[2:]
    elif text == HOME or text.startswith(HOME + "/"):
        rest = text[len(HOME) + 1 :]
    elif text.startswith("/") or text.startswith("~"):
        raise FileProblem("outside", text)  # another absolute path, or ~otheruser
    else:
        rest = text
    parts = [part for part in rest.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise FileProblem("outside", text)
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME for part in parts):
        raise FileProblem("invalid", text[:100])
    return "/".join([HOME, *parts])


def display_path(path: str) -> str:
    """ "/root/hello" as the student knows it: "~/hello"."""
    return "~" + path[len(HOME) :] if path == HOME or path.startswith(HOME + "/") else path


def decode_text(data: bytes, path: str) -> str:
    """The file as text, or FileProblem("binary") for NUL bytes or invalid UTF-8."""
    if b"\0" in data:
        raise FileProblem("binary", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("binary", path) from None


def encode_text(text: str, path: str) -> bytes:
    """What the editor sends, as UTF-8 bytes; text with NUL or lone surrogates is refused."""
    if "\0" in text:
        raise FileProblem("binary", path)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise FileProblem("binary", path) from None


def version(data: bytes) -> str:
    """What the editor hands back on save, so a file changed meanwhile is noticed."""
    return hashlib.sha256(data).hexdigest()
