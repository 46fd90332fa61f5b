"""A class's roster: students added from a CSV file; progress exported as CSV."""

from __future__ import annotations

import base64

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language

from classroom import export, roster
from classroom.access import get_class_for_instructor
from classroom.forms import RosterForm
from tutorial.permissions import instructor_required


@instructor_required
def import_students(request, classroom_id):
    classroom = get_class_for_instructor(request.user, classroom_id)
    form = RosterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            lines, problems = roster.parse(roster.read_upload(form.cleaned_data["file"]))
        except roster.RosterError as exc:
            form.add_error("file", str(exc))
        else:
            report = roster.add_students(classroom, lines)
            report.skipped = sorted(problems + report.skipped)
            download = base64.b64encode(roster.passwords_csv(report).encode()).decode()
            # Shown once: the passwords live in this page (and its download link) only.
            response = render(
                request,
                "classroom/import_done.html",
                {
                    "classroom": classroom,
                    "report": report,
                    "download": download,
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "classroom/import.html", {"classroom": classroom, "form": form})


@instructor_required
def export_progress(request, classroom_id):
    classroom = get_class_for_instructor(request.user, classroom_id)
    name = f"{slugify(classroom.name) or 'class'}-progress-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(export.progress_csv(classroom, get_language()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
