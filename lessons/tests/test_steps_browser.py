"""A student in real Chromium: a step turns to passed when the command is typed
in the terminal (no reload), and the language switcher changes UI and lesson."""
import asyncio
from pathlib import Path

import pytest
from django.test import override_settings

from conftest import missing
from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import LiveServer

pytestmark = [pytest.mark.docker, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
STUDENT_ID = 9301
LESSONS = Path(__file__).parent / "fixtures" / "browser"
LESSON_URL = "/lessons/first-step/"
STEP = "section.step[data-step=run-busybox]"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_engine_and_images()
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed")
    live = LiveServer(tmp_path_factory.mktemp("live-h3"))
    live.env["LESSONS_DIR"] = str(LESSONS)
    live.start()
    live.create_user("h3student", "pw-h3student-123", STUDENT_ID)
    yield live
    live.stop()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        asyncio.run(DockerBackend().remove(f"u{STUDENT_ID}"))


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(server.url + "/accounts/login/?next=" + LESSON_URL)
    page.fill("input[name=username]", "h3student")
    page.fill("input[name=password]", "pw-h3student-123")
    page.click("form button[type=submit]")
    page.wait_for_url("**" + LESSON_URL)
    yield page
    context.close()


def test_a_step_turns_to_passed_when_the_student_types_the_command(page):
    badge = page.locator(f"{STEP} .step-badge")
    assert badge.inner_text() == "Not started"
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=90_000)

    page.locator(f"{STEP} [data-action=check]").click()
    message = page.locator(f"{STEP} .check-message")
    message.wait_for(state="visible")
    assert message.inner_text() == "No container has been created from busybox yet."
    assert badge.inner_text() == "In progress"

    page.evaluate("() => { window.h3NotReloaded = true; }")
    page.locator(".terminal-host").click()
    page.keyboard.type("docker run busybox echo hello")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{STEP}[data-state=passed]", timeout=30_000)
    assert badge.inner_text() == "Passed"
    assert page.locator(".toc-step[data-step=run-busybox][data-state=passed]").count() == 1
    assert page.evaluate("() => window.h3NotReloaded") is True

    page.reload()  # the state is the server's, not only the page's
    assert page.locator(f"{STEP}").get_attribute("data-state") == "passed"
    page.goto(page.url.split("/lessons/")[0] + "/lessons/")
    assert page.locator(".lesson-progress").inner_text() == "Done"


def test_the_language_switcher_changes_the_interface_and_the_lesson(page):
    assert page.locator("h1").inner_text() == "A first checked step"
    assert page.locator(".site-header nav").inner_text() == "Lessons"
    page.select_option(".lang-switch select", "zh-hans")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    assert page.url.endswith(LESSON_URL)
    assert page.locator("h1").inner_text() == "第一个带检查的步骤"
    assert page.locator(".site-header nav").inner_text() == "课程"
    assert page.locator(f"{STEP} .step-title").inner_text() == "运行一个 busybox 容器"
    assert page.locator(f"{STEP} [data-action=check]").inner_text() == "检查"
    assert page.locator("#toc-heading").inner_text() == "目录"
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=90_000)
    assert page.locator(".terminal-status").inner_text() == "就绪"
    page.select_option(".lang-switch select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "A first checked step"
