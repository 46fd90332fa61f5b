"""Shared test fixtures: the three users every permission test needs, and the
real-parts gates (a missing engine or browser fails under CI=true, skips elsewhere)."""
import os

import pytest
from django.test import Client

from sandbox.backends import reset_backend_cache

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ORIGIN = (b"origin", b"http://127.0.0.1:8000")
HOST = (b"host", b"127.0.0.1:8000")  # the page's own address, as a browser sends it


@pytest.fixture
async def hang_up_shells():
    """Websockets share shells held by sandbox.shells; end this test's with it (real
    engines: no shell left running in a sandbox the next test uses)."""
    from sandbox import shells

    yield
    await shells.sessions.close_all()


def missing(reason: str):
    """A real part is missing: a failure in CI, a skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: real parts are required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw-alice-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-bob-123")


@pytest.fixture
def teacher(django_user_model):
    return django_user_model.objects.create_user("teacher", password="pw-teacher-123", is_staff=True)


def session_cookie(user) -> tuple[bytes, bytes]:
    """A real login session, as the browser would send it to the websocket."""
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def backend_in_use(settings, dotted_path: str):
    """Switch SANDBOX_BACKEND for one test (no periodic reaper) and yield the backend."""
    from sandbox.backends import get_backend

    settings.SANDBOX_BACKEND = dotted_path
    settings.SANDBOX_REAP_INTERVAL_SECONDS = 0
    reset_backend_cache()
    yield get_backend()
    reset_backend_cache()


@pytest.fixture
def fake_backend(settings):
    yield from backend_in_use(settings, "sandbox.backends.fake.FakeBackend")


@pytest.fixture(scope="module")
def browser():
    """Real Chromium (Debian's), driven by Playwright; never a downloaded browser."""
    from sandbox.tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
