"""Who may open which page: one place for the rule the views share."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def is_instructor(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def instructor_required(view):
    """Instructors only: a visitor is sent to log in, a student gets the 403 page
    (not the admin's login, which says nothing useful to a student)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_instructor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
