"""A class's dashboard as it is now: one row per student, the open help
requests, the screens this process holds. Sent first on every dashboard
websocket; the live messages (classroom.live, classroom.services) then change it.
Times are seconds since the epoch (JavaScript multiplies them by 1000).
"""

from __future__ import annotations

from classroom.models import HelpRequest, LiveState, Membership
from lessons.models import StepProgress


def epoch(moment) -> float | None:
    return moment.timestamp() if moment else None


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def help_json(request: HelpRequest) -> dict:
    return {
        "id": request.pk,
        "student": request.student_id,
        "lesson": request.lesson_slug,
        "step": request.step_id,
        "text": request.text,
        "created": epoch(request.created_at),
        "state": request.state,
        "seen_by": display_name(request.seen_by) if request.seen_by_id else "",
    }


def student_row(user, live: LiveState | None, passed: dict[str, float], help_request: HelpRequest | None) -> dict:
    command = None
    if live is not None and live.last_command_at is not None:
        command = {"at": epoch(live.last_command_at), "status": live.last_command_status}
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": display_name(user),
        "online": bool(live and live.connections > 0),
        "sandbox": live.sandbox if live else "missing",
        "lesson": live.lesson_slug if live else "",
        "command": command,
        "passed": passed,
        "help": help_json(help_request) if help_request else None,
    }


def passes(user_ids, lesson_slugs) -> dict[int, dict[str, float]]:
    """{user id: {"lesson/step": passed at}} of the steps these students passed."""
    found: dict[int, dict[str, float]] = {}
    rows = StepProgress.objects.filter(user_id__in=user_ids, lesson_slug__in=lesson_slugs, passed=True)
    for user_id, slug, step_id, passed_at in rows.values_list("user_id", "lesson_slug", "step_id", "passed_at"):
        found.setdefault(user_id, {})[f"{slug}/{step_id}"] = epoch(passed_at)
    return found


def rows(classroom, user_ids=None) -> list[dict]:
    """The dashboard's rows (all students, or those of `user_ids`), in joining order."""
    memberships = Membership.objects.filter(classroom=classroom).select_related("user")
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=user_ids)
    users = [membership.user for membership in memberships]
    ids = [user.pk for user in users]
    live = LiveState.objects.in_bulk(ids)
    passed = passes(ids, classroom.lesson_slugs())
    open_requests = HelpRequest.objects.open().filter(classroom=classroom, student_id__in=ids).select_related("seen_by")
    help_requests = {request.student_id: request for request in open_requests}
    return [student_row(user, live.get(user.pk), passed.get(user.pk, {}), help_requests.get(user.pk)) for user in users]


def open_help(classroom) -> list[dict]:
    return [
        help_json(request)
        for request in HelpRequest.objects.open().filter(classroom=classroom).select_related("seen_by")
    ]
