"""What the tests of every app share (helpers; the fixtures are in
tutorial.testing.fixtures, a pytest plugin loaded by the root conftest.py)."""

import os

import pytest
from django.test import Client

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
HOST = (b"host", b"127.0.0.1:8000")  # the page's own address, as a browser sends it

_application = None  # the ASGI application around this test's SandboxRuntime


def missing(reason: str):
    """A real part is missing: a failure in CI, a skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: real parts are required)", pytrace=False)
    pytest.skip(reason)


def session_cookie(user) -> tuple[bytes, bytes]:
    """A real login session, as the browser would send it to the websocket."""
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def asgi_application():
    """The app as Daphne serves it, around the running test's own SandboxRuntime."""
    global _application
    if _application is None:
        from sandbox import runtime
        from tutorial.asgi import build_application

        _application = build_application(runtime.current())
    return _application


def backend_in_use(settings, dotted_path: str):
    """Switch SANDBOX_BACKEND for one test (no periodic reaper) and yield the backend."""
    from sandbox.backends import get_backend, reset_backend_cache

    settings.SANDBOX_BACKEND = dotted_path
    settings.SANDBOX_REAP_INTERVAL_SECONDS = 0
    reset_backend_cache()
    yield get_backend()
    reset_backend_cache()
