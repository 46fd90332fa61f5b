"""The sandbox backend in use, chosen by settings.SANDBOX_BACKEND (a dotted path)."""

import functools

from django.conf import settings
from django.utils.module_loading import import_string


@functools.cache
def _backend_for(path: str):
    return import_string(path)()


def get_backend():
    return _backend_for(settings.SANDBOX_BACKEND)


def reset_backend_cache():
    """Forget the backend objects (tests switch backends through settings)."""
    _backend_for.cache_clear()
