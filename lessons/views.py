from asgiref.sync import sync_to_async
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from lessons.checks import SandboxNotRunning, check_step, not_running_message
from lessons.models import Lesson
from lessons.progress import lesson_states, step_states
from lessons.rendering import apply_step_states
from lessons.states import StepState

FALLBACK_LANGUAGE = "en"


def _lesson_language():
    """The active language if it has lessons, else the fallback."""
    language = get_language() or FALLBACK_LANGUAGE
    if Lesson.objects.filter(language=language).exists():
        return language
    return FALLBACK_LANGUAGE


def _get_lesson(slug):
    """The lesson in the active language, else its fallback-language version."""
    for language in dict.fromkeys([_lesson_language(), FALLBACK_LANGUAGE]):
        lesson = Lesson.objects.filter(language=language, slug=slug).first()
        if lesson is not None:
            return lesson
    raise Http404("No such lesson.")


def index(request):
    lessons = list(Lesson.objects.filter(language=_lesson_language()).order_by("order", "slug"))
    states = lesson_states(request.user, lessons)
    for lesson in lessons:
        lesson.progress = states.get(lesson.slug, "")
    return render(request, "lessons/index.html", {"lessons": lessons})


def detail(request, slug):
    lesson = _get_lesson(slug)
    states = step_states(request.user, lesson.slug)
    toc = [{**item, "state": states.get(item.get("step"), StepState.NOT_STARTED)} for item in lesson.toc]
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "body_html": apply_step_states(lesson.body_html, states),
            "toc": toc,
            "previous": lesson.get_previous(),
            "next": lesson.get_next(),
            "terminal_lesson": lesson,
        },
    )


@require_POST
async def check(request, slug, step_id):
    """The Check button: run one step's check in the student's sandbox.

    Answers JSON {passed, message}; 403 when not logged in, 409 when the
    sandbox is not running.
    """
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"passed": False, "message": gettext("Log in to check your work.")}, status=403)
    lesson = await sync_to_async(_get_lesson)(slug)
    step = lesson.get_step(step_id)
    if step is None or step.check is None:
        raise Http404("No such step.")
    try:
        result = await check_step(user, lesson, step)
    except SandboxNotRunning:
        return JsonResponse({"passed": False, "message": not_running_message()}, status=409)
    return JsonResponse({"passed": result.passed, "message": result.message})
