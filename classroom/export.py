"""A class's progress as CSV: one row per student, one column per step (the
time it was passed, in the server's time zone), as a spreadsheet wants it."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from django.utils import timezone

from classroom import outline, snapshot
from classroom.models import Membership


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name may start with "=")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def progress_csv(classroom, language: str) -> str:
    lessons = [item for item in outline.outline(classroom, language) if item["kind"] == "lesson"]
    columns = [(lesson["slug"], step["id"]) for lesson in lessons for step in lesson["steps"]]
    users = [membership.user for membership in Membership.objects.filter(classroom=classroom).select_related("user")]
    passed = snapshot.passes([user.pk for user in users], [lesson["slug"] for lesson in lessons])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "name", "steps passed", *(f"{slug}/{step}" for slug, step in columns)])
    zone = timezone.get_current_timezone()
    for user in users:
        times = passed.get(user.pk, {})
        cells = []
        for slug, step in columns:
            at = times.get(f"{slug}/{step}")
            cells.append(datetime.fromtimestamp(at, zone).strftime("%Y-%m-%d %H:%M:%S") if at else "")
        count = sum(1 for cell in cells if cell)
        writer.writerow([_safe(user.get_username()), _safe(snapshot.display_name(user)), count, *cells])
    return out.getvalue()
