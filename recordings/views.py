"""A student's recordings, their replay in the browser, and one as a .cast file.

Who sees whose: as for terminals (sandbox.services.access: a student their
own, an instructor the students of the classes they teach, a superuser
anyone). Anyone else gets 404: another's recordings do not exist for them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from recordings import store
from sandbox.services import access

CAST_TYPE = "application/x-asciicast"


def _get_owner_for_viewer(request, username: str):
    """The student whose recordings `request.user` asked for, if they may see them."""
    if username == request.user.username:
        return request.user
    owner = get_user_model().objects.filter(username=username, is_active=True).first()
    if owner is None or not access(request.user, owner).allowed:
        raise Http404("No such recordings.")
    return owner


def _get_recording_for_viewer(request, username: str, name: str):
    owner = _get_owner_for_viewer(request, username)
    path = store.path_of(owner.pk, name)
    if path is None or not path.is_file():
        raise Http404("No such recording.")
    return owner, path


@login_required
def mine(request):
    return student(request, request.user.username)


@login_required
def student(request, username):
    owner = _get_owner_for_viewer(request, username)
    return render(
        request,
        "recordings/list.html",
        {"owner": owner, "own": owner.pk == request.user.pk, "recordings": store.recordings_of(owner.pk)},
    )


@login_required
def replay(request, username, name):
    owner, _path = _get_recording_for_viewer(request, username, name)
    return render(request, "recordings/replay.html", {"owner": owner, "name": name})


@login_required
def cast(request, username, name):
    """The recording as asciicast v2; `?download=1` as a file. Read up to the limit a
    student's recordings may take, and only whole lines (one may be being written)."""
    owner, path = _get_recording_for_viewer(request, username, name)
    with open(path, "rb") as file:
        data = file.read(settings.RECORDING_MAX_BYTES)
    data = data[: data.rfind(b"\n") + 1]
    response = HttpResponse(data, content_type=CAST_TYPE)
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{owner.username}-{name}.cast"'
    return response
