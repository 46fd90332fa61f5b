"""Fixtures every app's tests share: the three users permission tests need, a
fresh SandboxRuntime per test, the backends, and the real-parts gates (a
missing engine or browser fails under CI=true, skips elsewhere)."""

import pytest

import tutorial.testing as testing
from tutorial.testing import backend_in_use, missing


@pytest.fixture(autouse=True)
def sandbox_runtime():
    """Each test its own SandboxRuntime (shells, watchers, events …): a test has its
    own event loop, and the process's runtime belongs to the server's."""
    from sandbox import runtime

    fresh = runtime.SandboxRuntime()
    previous = runtime.replace(fresh)
    testing._application = None
    yield fresh
    runtime.replace(previous)
    testing._application = None


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test a channel layer of its own: a layer keeps locks and connections
    of the event loop that first used it (channels_redis: "bound to a different
    event loop" in the next test's loop)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
async def hang_up_shells(sandbox_runtime):
    """End this test's shells with it (real engines: no shell left running in a
    sandbox the next test uses), and its runtime's background work."""
    yield
    await sandbox_runtime.close(hang_up_shells=True)


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="pw-alice-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-bob-123")


@pytest.fixture
def teacher(django_user_model):
    """The server's administrator (a superuser): watches every student. An instructor
    of one class only is the classroom tests' `instructor`."""
    return django_user_model.objects.create_user("teacher", password="pw-teacher-123", is_staff=True, is_superuser=True)


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report ends with the logs of the live servers it ran
    against (browser tests): CI keeps nothing else of what the server saw."""
    report = yield
    if report.failed:
        from sandbox.tests.live_server import RUNNING

        for server in RUNNING:
            report.sections.append((f"live server log ({server.url}), last 8000 characters", server.output(8000)))
    return report
