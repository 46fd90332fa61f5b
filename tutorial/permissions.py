"""Who may open which page: one place for the rules the views share.

Instructors are a role, not every staff user: the permission `classroom.teach`
(given by the "Instructors" group, `manage.py make_instructor`); a superuser
is an instructor too and sees every class. Which students an instructor may
watch is the classroom's rule (classroom/access.py).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

TEACH = "classroom.teach"


def is_instructor(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(TEACH))


def is_administrator(user) -> bool:
    """The server's administrator: sees every sandbox and every class."""
    return user.is_authenticated and user.is_active and user.is_superuser


def _required(test):
    def decorator(view):
        """A visitor is sent to log in; anyone else who fails `test` gets the 403
        page (not the admin's login, which says nothing useful to a student)."""

        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


instructor_required = _required(is_instructor)
administrator_required = _required(is_administrator)
