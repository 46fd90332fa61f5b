"""A student in real Chromium: a step turns to passed when the command is typed
in the terminal (no reload), and the language switcher changes UI and lesson."""

from pathlib import Path

import pytest

from sandbox.tests.browser import login, running_server

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9301
LESSONS = Path(__file__).parent / "fixtures" / "browser"
LESSON_URL = "/lessons/first-step/"
STEP = "section.step[data-step=run-busybox]"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {"h3student": ("pw-h3student-123", STUDENT_ID)}
    with running_server(tmp_path_factory, users, env={"LESSONS_DIR": str(LESSONS)}) as live:
        yield live


@pytest.fixture
def page(server, browser):
    context, page = login(browser, server, "h3student", "pw-h3student-123", LESSON_URL)
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
    assert page.locator(".site-header nav a").first.inner_text() == "Lessons"
    page.select_option(".lang-switch select", "zh-hans")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    assert page.url.endswith(LESSON_URL)
    assert page.locator("h1").inner_text() == "第一个带检查的步骤"
    assert page.locator(".site-header nav a").first.inner_text() == "课程"
    assert page.locator(f"{STEP} .step-title").inner_text() == "运行一个 busybox 容器"
    assert page.locator(f"{STEP} [data-action=check]").inner_text() == "检查"
    assert page.locator("#toc-heading").inner_text() == "目录"
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=90_000)
    assert page.locator(".terminal-status").inner_text() == "就绪"
    page.select_option(".lang-switch select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "A first checked step"
