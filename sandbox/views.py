import asyncio

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from sandbox.backends import get_backend
from sandbox.backends.base import SandboxError
from sandbox.backends.docker import image_cache as mirror
from sandbox.models import Sandbox
from sandbox.services import access
from tutorial.permissions import administrator_required, instructor_required


@login_required
def playground(request):
    """A full-page terminal on the student's own sandbox."""
    return render(request, "sandbox/playground.html")


@login_required
def watch(request, username):
    """A read-only view of one student's terminal, for whoever the attach rule lets
    watch it (an instructor of the student's class); with a Take over button for
    whoever it lets type too."""
    student = get_object_or_404(get_user_model(), username=username, is_active=True)
    rights = access(request.user, student)
    if not rights.watch or student.pk == request.user.pk:
        raise PermissionDenied
    return render(
        request,
        "sandbox/playground.html",
        {
            "terminal_ws_path": f"/ws/terminal/{student.username}/",
            "terminal_read_only": True,
            "terminal_owner": student.username,
            "terminal_may_take_over": rights.take_over,
        },
    )


@instructor_required
def image_cache(request):
    """What the classroom image cache holds, for the instructor."""
    healthy = mirror.is_healthy()
    context = {
        "healthy": healthy,
        "images": mirror.cached_images() if healthy else [],
        "upstream": mirror.current_upstream() if healthy else "",
    }
    return render(request, "sandbox/image_cache.html", context)


@administrator_required
def sandboxes(request):
    """Every student's sandbox with its disk use, for the instructor."""
    rows = list(Sandbox.objects.select_related("user").order_by("user__username"))

    async def disk_of(row):
        try:
            return await get_backend().disk_status(row.key)
        except SandboxError:
            return None

    async def all_disks():
        return await asyncio.gather(*(disk_of(row) for row in rows))

    disks = sync_to_async_run(all_disks)
    entries = []
    for row, disk in zip(rows, disks, strict=True):
        used, size = disk if disk else (None, None)
        entries.append(
            {
                "sandbox": row,
                "used": used,
                "size": size,
                "percent": round(100 * used / size) if disk and size else None,
            }
        )
    return render(request, "sandbox/sandboxes.html", {"entries": entries})


def sync_to_async_run(coroutine_function):
    """Run async backend calls from this sync view (Django runs it in a thread)."""
    return asyncio.run(coroutine_function())
