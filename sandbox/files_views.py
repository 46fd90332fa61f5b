"""The file editor's JSON API: list a folder, read a file, save a file, always
in the signed-in student's own sandbox (instructors get no write access to
anyone else's: there is no user in the URL at all).

Every refusal is JSON {"error": message for the student, "reason": code}.
"""

from __future__ import annotations

import functools
import json
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sandbox import files
from sandbox.backends import get_backend
from sandbox.backends.base import FileProblem, FileReason, SandboxError
from sandbox.errors import student_message
from sandbox.services import mark_active, sandbox_key

log = logging.getLogger(__name__)

MAX_ENTRIES = 1000


def refusal(reason: FileReason) -> tuple[int, str]:
    """(HTTP status, message for the student) of each reason: the one table."""
    limit = filesizeformat(settings.EDITOR_MAX_BYTES)
    table = {
        FileReason.INVALID: (400, _("That is not a valid file name.")),
        FileReason.OUTSIDE: (400, _("Only files in your home folder (~) can be opened here.")),
        FileReason.BINARY: (400, _("This is not a UTF-8 text file (it looks binary), so the editor does not open it.")),
        FileReason.TOO_LARGE: (
            413,
            _("This file is larger than %(limit)s, the most the editor handles.") % {"limit": limit},
        ),
        FileReason.NOT_FOUND: (404, _("There is no such file or folder.")),
        FileReason.IS_DIR: (409, _("That is a folder, not a file.")),
        FileReason.NOT_DIR: (409, _("That is not a folder.")),
        FileReason.NOT_FILE: (409, _("That is not a regular file.")),
        FileReason.CHANGED: (
            409,
            _("The file changed since you opened it (in the terminal?). Reload it, or save again to overwrite it."),
        ),
        FileReason.EXISTS: (409, _("A file with that name already exists.")),
        FileReason.NOT_RUNNING: (409, _("Your sandbox is not running. Start your terminal first.")),
        FileReason.UNSUPPORTED: (501, _("This classroom's sandboxes have no file editor.")),
        FileReason.FAILED: (500, _("The file could not be saved or read. Try again.")),
    }
    return table[reason]


def _refuse(reason: FileReason) -> JsonResponse:
    status, message = refusal(reason)
    return JsonResponse({"error": message, "reason": reason}, status=status)


def student_api(view):
    """Signed-in students only, on their own sandbox; FileProblem and engine trouble as JSON."""

    @functools.wraps(view)
    async def wrapper(request):
        user = await request.auser()
        if not user.is_authenticated or not user.is_active:
            return JsonResponse({"error": _("Log in first."), "reason": "login"}, status=401)
        try:
            return await view(request, user, sandbox_key(user))
        except FileProblem as problem:
            if problem.reason == FileReason.FAILED:
                log.warning("file operation failed for %s: %s", sandbox_key(user), problem)
            return _refuse(problem.reason)
        except SandboxError as exc:
            return JsonResponse({"error": student_message(exc), "reason": "engine", "code": exc.code}, status=503)

    return wrapper


@require_GET
@student_api
async def list_dir(request, user, key):
    path = files.normalize_path(request.GET.get("path", "~"))
    entries = await get_backend().list_dir(key, path, MAX_ENTRIES + 1)
    entries.sort(key=lambda entry: (entry.kind != "dir", entry.name.casefold()))
    parent = path.rpartition("/")[0] if path != files.HOME else None
    return JsonResponse(
        {
            "path": files.display_path(path),
            "parent": files.display_path(parent) if parent else None,
            "entries": [
                {"name": e.name, "kind": e.kind, "size": e.size, "link": e.link} for e in entries[:MAX_ENTRIES]
            ],
            "truncated": len(entries) > MAX_ENTRIES,
        }
    )


@require_GET
@student_api
async def read_file(request, user, key):
    path = files.normalize_path(request.GET.get("path", ""))
    if path == files.HOME:
        raise FileProblem("is-dir", path)
    data = await get_backend().read_file(key, path, settings.EDITOR_MAX_BYTES)
    return JsonResponse(
        {
            "path": files.display_path(path),
            "content": files.decode_text(data, path),
            "version": files.version(data),
            "size": len(data),
        }
    )


@require_POST
@student_api
async def save_file(request, user, key):
    try:
        body = json.loads(request.body)
    except RequestDataTooBig:
        raise FileProblem("too-large") from None
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("The request was not valid JSON."), "reason": "invalid"}, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return JsonResponse({"error": _("The request was not valid JSON."), "reason": "invalid"}, status=400)
    path = files.normalize_path(body.get("path", ""))
    if path == files.HOME:
        raise FileProblem("is-dir", path)
    expected = body.get("version")
    if expected is not None and not (isinstance(expected, str) and (expected == "" or _is_sha256(expected))):
        raise FileProblem("invalid", path)
    data = files.encode_text(body["content"], path)
    if len(data) > settings.EDITOR_MAX_BYTES:
        raise FileProblem("too-large", path)
    created = await get_backend().write_file(key, path, data, expected)
    await sync_to_async(mark_active)(user)  # the request cycle manages this connection
    return JsonResponse(
        {
            "path": files.display_path(path),
            "version": files.version(data),
            "size": len(data),
            "created": created,
        }
    )


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
