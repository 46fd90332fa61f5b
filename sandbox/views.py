from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from sandbox import mirror


@login_required
def playground(request):
    """A full-page terminal on the student's own sandbox."""
    return render(request, "sandbox/playground.html")


@staff_member_required
def watch(request, username):
    """An instructor's read-only view of one student's terminal."""
    student = get_object_or_404(get_user_model(), username=username, is_active=True)
    return render(
        request,
        "sandbox/playground.html",
        {
            "terminal_ws_path": f"/ws/terminal/{student.username}/",
            "terminal_read_only": True,
            "terminal_owner": student.username,
        },
    )


@staff_member_required
def image_cache(request):
    """What the classroom image cache holds, for the instructor."""
    healthy = mirror.is_healthy()
    context = {"healthy": healthy, "images": mirror.cached_images() if healthy else [],
               "upstream": mirror.current_upstream() if healthy else ""}
    return render(request, "sandbox/image_cache.html", context)
