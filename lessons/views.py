from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from lessons.models import Lesson

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
    lessons = Lesson.objects.filter(language=_lesson_language()).order_by("order", "slug")
    return render(request, "lessons/index.html", {"lessons": lessons})


def detail(request, slug):
    lesson = _get_lesson(slug)
    return render(request, "lessons/detail.html", {
        "lesson": lesson,
        "previous": lesson.get_previous(),
        "next": lesson.get_next(),
    })
