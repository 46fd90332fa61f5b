"""What the dashboard and the student's pages do: small JSON POSTs.

Each checks who asks first: an instructor of the class (or a superuser) for
the class's actions, the student themselves for their help requests.
Async views: stopping a sandbox waits for the engine, not for a thread."""

from __future__ import annotations

from functools import wraps

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_POST

from classroom import services
from classroom.access import get_class_for_instructor, get_student_of
from classroom.forms import BroadcastForm, HelpForm
from classroom.models import HelpRequest, Membership
from tutorial.permissions import is_instructor


def _json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def class_action(view):
    """POST only; the class's instructor only: 403 for anyone else who is logged in,
    404 for a class this instructor does not run. The view gets the class."""

    @require_POST
    @wraps(view)
    async def wrapper(request, classroom_id, *args, **kwargs):
        user = await request.auser()
        if not user.is_authenticated:
            return _json_error(403, "log in")
        if not await sync_to_async(is_instructor)(user):
            raise PermissionDenied
        classroom = await sync_to_async(get_class_for_instructor)(user, classroom_id)
        return await view(request, user, classroom, *args, **kwargs)

    return wrapper


@class_action
async def control(request, user, classroom, student_id, action):
    if action not in services.ACTIONS:
        raise Http404("No such action.")
    student = await sync_to_async(get_student_of)(classroom, student_id)
    clear = action == "reset" and request.POST.get("clear_progress") == "1"
    await services.control(classroom, student, action, user, clear_progress=clear)
    return JsonResponse({"ok": True})


@class_action
async def stop_all(request, user, classroom):
    return JsonResponse({"ok": True, "stopped": await services.stop_all(classroom, user)})


@class_action
async def broadcast(request, user, classroom):
    form = BroadcastForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["text"]:
        return _json_error(400, "text: 1 to 300 characters")
    message = await services.broadcast(classroom, user, form.cleaned_data["text"])
    return JsonResponse({"ok": True, "id": message.pk})


async def _help_request(classroom, request_id) -> HelpRequest:
    found = await HelpRequest.objects.filter(classroom=classroom, pk=request_id).afirst()
    if found is None:
        raise Http404("No such help request.")
    return found


@class_action
async def help_seen(request, user, classroom, request_id):
    await services.see_help(await _help_request(classroom, request_id), user)
    return JsonResponse({"ok": True})


@class_action
async def help_resolve(request, user, classroom, request_id):
    await services.resolve_help(await _help_request(classroom, request_id), user)
    return JsonResponse({"ok": True})


# -- the student's side ----------------------------------------------------------------


@require_POST
async def ask_help(request):
    """A class member raises their hand (from a lesson page), with a line of text."""
    user = await request.auser()
    if not user.is_authenticated or not await Membership.objects.filter(user=user).aexists():
        return _json_error(403, "only a class's students ask for help")
    form = HelpForm(request.POST)
    if not form.is_valid():
        return _json_error(400, "text: at most 200 characters")
    requests = await services.raise_hand(user, form.cleaned_data["lesson"], form.cleaned_data["text"])
    return JsonResponse({"ok": True, "ids": [r.pk for r in requests]})


@require_POST
async def cancel_help(request, request_id):
    """The student no longer needs help: their own open request is resolved."""
    user = await request.auser()
    if not user.is_authenticated:
        return _json_error(403, "log in")
    found = await HelpRequest.objects.open().filter(pk=request_id, student=user).afirst()
    if found is None:
        raise Http404("No such help request.")
    await services.resolve_help(found, user)
    return JsonResponse({"ok": True})
