"""The instructor's pages (classes, the class form, the dashboard) and the
student's class page. Actions on a class are in action_views, joining in
join_views, the roster (CSV in and out) in roster_views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from classroom import codes, dashboard_texts, outline
from classroom.access import classes_taught, get_class_for_instructor, teaches
from classroom.forms import ClassForm
from classroom.models import ClassItem, Classroom
from lessons.progress import lesson_states
from tutorial.permissions import instructor_required, is_instructor


@login_required
def class_list(request):
    """Instructors: the classes they run. Students: the classes they are in."""
    return render(
        request,
        "classroom/list.html",
        {
            "taught": classes_taught(request.user).prefetch_related("memberships")
            if is_instructor(request.user)
            else [],
            "joined": Classroom.objects.filter(memberships__user=request.user),
        },
    )


def _save_contents(classroom: Classroom, keys: list[str]) -> None:
    classroom.items.all().delete()
    items = []
    for order, key in enumerate(keys):
        kind, _, value = key.partition(":")
        if kind == "lesson":
            items.append(ClassItem(classroom=classroom, order=order, lesson_slug=value))
        else:
            book, _, page = value.partition("/")
            items.append(ClassItem(classroom=classroom, order=order, book_slug=book, page_slug=page))
    ClassItem.objects.bulk_create(items)


def _class_form(request, classroom: Classroom | None):
    choices = outline.choices(get_language())
    positions = {item.key: position for position, item in enumerate(classroom.items.all(), 1)} if classroom else {}
    if request.method == "POST":
        form = ClassForm(request.POST, instance=classroom, choices=choices, positions=positions)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                if classroom is None:
                    saved.instructors.add(request.user)
                known = {key for key, _title in choices}
                _save_contents(saved, [key for key in form.contents if key in known])
            return redirect(saved.get_absolute_url()), None
    else:
        form = ClassForm(instance=classroom, choices=choices, positions=positions)
    return None, render(request, "classroom/form.html", {"form": form, "classroom": classroom})


@instructor_required
def new_class(request):
    done, page = _class_form(request, None)
    return done or page


@instructor_required
def edit_class(request, classroom_id):
    done, page = _class_form(request, get_class_for_instructor(request.user, classroom_id))
    return done or page


@instructor_required
@require_POST
def new_join_code(request, classroom_id):
    """A new code and link (the old ones stop working): a code shared too widely."""
    classroom = get_class_for_instructor(request.user, classroom_id)
    classroom.join_code, classroom.join_token = codes.new_join_code(), codes.new_join_token()
    classroom.save(update_fields=["join_code", "join_token"])
    return redirect("classroom:edit", classroom.pk)


@instructor_required
def dashboard(request, classroom_id):
    classroom = get_class_for_instructor(request.user, classroom_id)
    return render(
        request,
        "classroom/dashboard.html",
        {
            "classroom": classroom,
            "outline": outline.outline(classroom, get_language()),
            "lesson_titles": outline.lesson_titles(get_language()),
            "join_url": request.build_absolute_uri(classroom.join_path()),
            "join_code": codes.display_code(classroom.join_code),
            "ws_path": f"/ws/classroom/{classroom.pk}/dashboard/",
            "texts": dashboard_texts.texts(),
            "urls": {
                "watch": reverse("sandbox:watch", args=["USERNAME"]),
                "recordings": reverse("recordings:student", args=["USERNAME"]),
                "control": reverse("classroom:control", args=[classroom.pk, 0, "ACTION"]),
                "stop_all": reverse("classroom:stop_all", args=[classroom.pk]),
                "help_seen": reverse("classroom:help_seen", args=[classroom.pk, 0]),
                "help_resolve": reverse("classroom:help_resolve", args=[classroom.pk, 0]),
            },
        },
    )


@login_required
def class_page(request, classroom_id):
    """What a class covers, with the student's own progress; its members and instructors only."""
    classroom = Classroom.objects.filter(pk=classroom_id).first()
    if classroom is None or not (
        classroom.memberships.filter(user=request.user).exists() or teaches(request.user, classroom_id)
    ):
        raise Http404("No such class.")
    entries = outline.outline(classroom, get_language())
    slugs = [entry["slug"] for entry in entries if entry["kind"] == "lesson"]
    lessons = list(outline.lessons_by_slug(slugs, get_language()).values())
    states = lesson_states(request.user, lessons)
    for entry in entries:
        entry["state"] = states.get(entry.get("slug", ""), "")
    return render(request, "classroom/class_page.html", {"classroom": classroom, "entries": entries})
