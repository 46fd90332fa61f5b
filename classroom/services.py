"""What instructors and students do in a class, and what everyone is told of it.

Views and consumers call these; each change that a page shows is pushed from
here (classroom.push), so the live path of every feature is in one file
(with classroom.live for what sandboxes and lessons report). What views call
goes through sync_to_async (the request cycle manages the connection); what
consumers call, through database_sync_to_async, which also closes stale ones.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from classroom import memberships, push, snapshot
from classroom.models import Broadcast, Classroom, HelpRequest, LiveState, Membership
from lessons.models import Lesson, StepProgress
from sandbox import runtime
from sandbox.services import remove_sandbox, restart_sandbox, running_keys, sandbox_key, stop_sandbox

log = logging.getLogger(__name__)

ACTIONS = ("stop", "restart", "reset")
STOP_ALL_AT_ONCE = 4  # sandboxes stopped in parallel by "stop all" (each takes up to ~12 s)


# -- joining -----------------------------------------------------------------------


@sync_to_async
def _add_member(classroom: Classroom, user) -> bool:
    _, created = Membership.objects.get_or_create(classroom=classroom, user=user)
    return created


async def join(classroom: Classroom, user) -> bool:
    """Put `user` in the class (once); its dashboards get the new row at once."""
    created = await _add_member(classroom, user)
    memberships.forget(user.pk)
    if created:
        rows = await sync_to_async(snapshot.rows)(classroom, [user.pk])
        await push.to_dashboards([classroom.pk], {"type": "student", "student": rows[0]})
    return created


# -- pages open: online or not -------------------------------------------------------


@database_sync_to_async
def _count_pages(user_id: int, delta: int) -> int:
    with transaction.atomic():
        if not LiveState.objects.filter(user_id=user_id).update(connections=F("connections") + delta):
            LiveState.objects.get_or_create(user_id=user_id, defaults={"connections": max(0, delta)})
        return LiveState.objects.get(user_id=user_id).connections


async def pages_changed(user_id: int, classroom_ids, delta: int) -> None:
    """A student opened (+1) or closed (-1) a page; dashboards see online / offline."""
    count = await _count_pages(user_id, delta)
    await push.to_dashboards(
        classroom_ids, {"type": "presence", "id": user_id, "online": count > 0, "at": timezone.now().timestamp()}
    )


@database_sync_to_async
def forget_pages() -> None:
    """At the start of the only server process: nobody has a page open yet."""
    LiveState.objects.filter(connections__gt=0).update(connections=0)


# -- help requests -----------------------------------------------------------------


def _first_step_to_do(user, lesson_slug: str) -> str:
    lesson = Lesson.objects.filter(slug=lesson_slug).first()
    if lesson is None:
        return ""
    passed = set(
        StepProgress.objects.filter(user=user, lesson_slug=lesson_slug, passed=True).values_list("step_id", flat=True)
    )
    return next((step.id for step in lesson.get_steps() if step.check and step.id not in passed), "")


@sync_to_async
def _raise_hand(student, lesson_slug: str, text: str) -> list[HelpRequest]:
    """One open request per class that covers the lesson (or the latest class joined)."""
    classes = list(Classroom.objects.filter(memberships__user=student, items__lesson_slug=lesson_slug).distinct())
    if not classes:
        latest = Membership.objects.filter(user=student).order_by("-joined_at").first()
        classes = [latest.classroom] if latest else []
    step_id = _first_step_to_do(student, lesson_slug) if lesson_slug else ""
    requests = []
    for classroom in classes:
        request = HelpRequest.objects.open().filter(classroom=classroom, student=student).first()
        if request is None:
            request = HelpRequest(classroom=classroom, student=student)
        request.lesson_slug, request.step_id, request.text = lesson_slug, step_id, text
        request.created_at, request.seen_at, request.seen_by = timezone.now(), None, None
        request.save()
        requests.append(request)
    return requests


async def raise_hand(student, lesson_slug: str, text: str) -> list[HelpRequest]:
    requests = await _raise_hand(student, lesson_slug, text)
    for request in requests:
        await push.to_dashboards(
            [request.classroom_id],
            {"type": "help", "request": snapshot.help_json(request), "at": request.created_at.timestamp()},
        )
        await push.to_student(student.pk, {"type": "help", "id": request.pk, "state": "open"})
    return requests


@sync_to_async
def _mark(request: HelpRequest, by, resolved: bool) -> HelpRequest:
    now = timezone.now()
    if request.seen_at is None:
        request.seen_at, request.seen_by = now, by
    if resolved and request.resolved_at is None:
        request.resolved_at, request.resolved_by = now, by
    request.save()
    return HelpRequest.objects.select_related("seen_by").get(pk=request.pk)


async def see_help(request: HelpRequest, by) -> HelpRequest:
    """An instructor has seen it (opened the student's terminal from it); the student is told."""
    request = await _mark(request, by, resolved=False)
    await _tell_help(request, by)
    return request


async def resolve_help(request: HelpRequest, by) -> HelpRequest:
    """Done: by an instructor, or by the student who no longer needs it."""
    request = await _mark(request, by, resolved=True)
    await _tell_help(request, by)
    return request


async def _tell_help(request: HelpRequest, by) -> None:
    now = timezone.now().timestamp()
    message = {"type": "help", "request": snapshot.help_json(request), "at": now}
    await push.to_dashboards([request.classroom_id], message)
    await push.to_student(
        request.student_id, {"type": "help", "id": request.pk, "state": request.state, "by": snapshot.display_name(by)}
    )


# -- broadcast ------------------------------------------------------------------------


async def broadcast(classroom: Classroom, author, text: str) -> Broadcast:
    message = await Broadcast.objects.acreate(classroom=classroom, author=author, text=text)
    payload = {
        "type": "broadcast",
        "id": message.pk,
        "text": text,
        "by": snapshot.display_name(author),
        "at": message.created_at.timestamp(),
    }
    await push.to_class(classroom.pk, payload)
    await push.to_dashboards([classroom.pk], payload)
    return message


# -- sandbox controls ---------------------------------------------------------------


@sync_to_async
def _clear_progress(classroom: Classroom, student) -> None:
    StepProgress.objects.filter(user=student, lesson_slug__in=classroom.lesson_slugs()).delete()


async def control(classroom: Classroom, student, action: str, by, clear_progress: bool = False) -> None:
    """Stop, restart or reset (remove with its files) one student's sandbox. The
    student's pages say who did what; the dashboards follow the sandbox's events."""
    events, name = runtime.current().events, snapshot.display_name(by)
    key = sandbox_key(student)
    if action == "stop":
        await stop_sandbox(key, events, by=name)
    elif action == "restart":
        await restart_sandbox(student, events, by=name)
    elif action == "reset":
        await remove_sandbox(key, events, by=name)
        if clear_progress:
            await _clear_progress(classroom, student)
            rows = await sync_to_async(snapshot.rows)(classroom, [student.pk])
            await push.to_dashboards([classroom.pk], {"type": "student", "student": rows[0]})
    else:
        raise ValueError(f"unknown action {action!r}")
    await push.to_student(
        student.pk,
        {
            "type": "sandbox",
            "action": action,
            "by": name,
            "progress_cleared": bool(clear_progress and action == "reset"),
        },
    )


@sync_to_async
def _students(classroom: Classroom) -> list:
    return [membership.user for membership in classroom.memberships.select_related("user")]


async def stop_all(classroom: Classroom, by) -> int:
    """Stop every running sandbox of the class (the end of a session); how many."""
    running = await running_keys()
    students = [student for student in await _students(classroom) if sandbox_key(student) in running]
    limit = asyncio.Semaphore(STOP_ALL_AT_ONCE)

    async def stop(student):
        async with limit:
            try:
                await control(classroom, student, "stop", by)
            except Exception:  # one engine error must not leave the others running
                log.exception("could not stop the sandbox of %s", student)

    await asyncio.gather(*(stop(student) for student in students))
    return len(students)
