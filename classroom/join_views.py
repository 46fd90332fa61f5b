"""Joining a class: by its link (which may create the account, even when open
sign-up is off) or by typing its code (wrong codes are rate-limited).

Joining is always a POST the student confirms: being in a class lets its
instructors see the student's terminal, so no link followed by accident may
do it (a GET never joins)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render
from django.urls import reverse

from classroom import codes, services
from classroom.forms import JoinCodeForm
from classroom.models import Classroom

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def join_link(request, token):
    limiter = codes.JoinLimiter(_address(request), request.user.pk if request.user.is_authenticated else None)
    if limiter.blocked():
        return render(request, "classroom/join_blocked.html", status=429)
    classroom = Classroom.objects.filter(join_token=token[:64]).first()
    if classroom is None:
        limiter.failed()
        return render(request, "classroom/join_invalid.html", status=404)
    if not classroom.may_join():
        return render(request, "classroom/join_invalid.html", {"closed": classroom}, status=410)
    form = None
    if request.user.is_authenticated:
        if classroom.memberships.filter(user=request.user).exists():
            return redirect("classroom:class_page", classroom.pk)
        if request.method == "POST":
            async_to_sync(services.join)(classroom, request.user)
            return redirect("classroom:class_page", classroom.pk)
    elif request.method == "POST":
        form = UserCreationForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend=LOGIN_BACKEND)
            async_to_sync(services.join)(classroom, user)
            return redirect("classroom:class_page", classroom.pk)
    else:
        form = UserCreationForm()
    return render(
        request,
        "classroom/join.html",
        {
            "classroom": classroom,
            "form": form,
            "instructors": classroom.instructors.all(),
        },
    )


def join_code(request):
    limiter = codes.JoinLimiter(_address(request), request.user.pk if request.user.is_authenticated else None)
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST":
        if limiter.blocked():
            return render(request, "classroom/join_blocked.html", status=429)
        if form.is_valid():
            classroom = Classroom.objects.filter(join_code=codes.normalize_code(form.cleaned_data["code"])).first()
            if classroom is not None and classroom.may_join():
                return redirect(reverse("classroom:join_link", args=[classroom.join_token]))
            limiter.failed()
            form.add_error("code", JoinCodeForm.wrong_code)
    return render(request, "classroom/join_code.html", {"form": form})
