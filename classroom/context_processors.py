"""What every page needs of the classroom: whether the user is an instructor (the
header's links), and for a class member the student bar (templates/classroom/student_bar.html)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from classroom.models import Broadcast, HelpRequest, Membership
from classroom.recording import strongest
from tutorial.permissions import is_instructor

BROADCAST_SHOWN_FOR = 2 * 3600  # seconds a broadcast stays on the pages of those who load one


def _student_bar(user) -> dict | None:
    if not user.is_authenticated:
        return None
    classes = list(Membership.objects.filter(user=user).values_list("classroom_id", "classroom__recording"))
    if not classes:
        return None
    class_ids = [class_id for class_id, _mode in classes]
    since = timezone.now() - timedelta(seconds=BROADCAST_SHOWN_FOR)
    recent = Broadcast.objects.filter(classroom_id__in=class_ids, created_at__gte=since)
    latest = recent.select_related("author").first()
    help_request = HelpRequest.objects.open().filter(student=user).select_related("seen_by").first()
    recording = strongest(mode for _class_id, mode in classes)
    return {"broadcast": latest, "help": help_request, "recording": recording}


def classroom(request):
    user = request.user
    return {
        "is_instructor": SimpleLazyObject(lambda: is_instructor(user)),
        "student_bar": SimpleLazyObject(lambda: _student_bar(user)),
    }
