"""A student in real Chromium: log in, open a lesson, type in the terminal, press Run."""
import asyncio
import os
from pathlib import Path

import pytest

from conftest import missing
from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import ROOT, LiveServer

pytestmark = [pytest.mark.docker, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
STUDENT_ID = 9200
SCREENSHOT = os.environ.get("DOCKYARD_SCREENSHOT", "")

BUFFER_TEXT = """() => {
  const buffer = window.dockyardTerminal.term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_engine_and_images()
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed")
    live = LiveServer(tmp_path_factory.mktemp("live"))
    live.start()
    live.create_user("student", "pw-student-123", STUDENT_ID)
    yield live
    live.stop()
    with_prefix = {"SANDBOX_NAME_PREFIX": TEST_PREFIX}
    from django.test import override_settings

    with override_settings(**with_prefix):
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
    page.goto(server.url + "/accounts/login/?next=/lessons/first-containers/")
    page.fill("input[name=username]", "student")
    page.fill("input[name=password]", "pw-student-123")
    page.click("form button[type=submit]")
    page.wait_for_url("**/lessons/first-containers/")
    yield page
    context.close()


def terminal_text(page) -> str:
    """What the terminal shows, scrollback included, one string per line."""
    return page.evaluate(BUFFER_TEXT)


def wait_for_terminal(page, text: str, timeout_ms: int = 60_000):
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().includes({text!r})", timeout=timeout_ms
    )


def test_a_student_types_in_the_lesson_terminal(page, server):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    assert page.locator(".terminal-status").inner_text() == "Ready"
    page.locator(".terminal-host").click()
    page.keyboard.type("echo $((6*7)) is the answer")
    page.keyboard.press("Enter")
    wait_for_terminal(page, "42 is the answer")


def test_the_run_button_types_the_exercise(page, server):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    first_run = page.locator(".runnable [data-action=run]").first
    first_run.click()
    # `docker run --rm busybox echo hello`: wait for an output line that is exactly "hello".
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().split('\\n').some((line) => line.trim() === 'hello')",
        timeout=60_000,
    )
    assert "docker run --rm busybox echo hello" in terminal_text(page)
    if SCREENSHOT:
        page.screenshot(path=str(ROOT / SCREENSHOT))


def test_reloading_the_page_keeps_the_shell(page, server):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    page.locator(".terminal-host").click()
    page.keyboard.type("export KEEP=still-$((5*5))")
    page.keyboard.press("Enter")
    page.reload()
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    page.locator(".terminal-host").click()
    page.keyboard.type("echo $KEEP")
    page.keyboard.press("Enter")
    wait_for_terminal(page, "still-25")


def test_the_page_reconnects_after_a_dropped_connection(page, server):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    page.evaluate("() => window.dockyardTerminal.socket.close()")
    page.wait_for_selector("#terminal-pane[data-state=reconnecting]", timeout=5_000)
    assert "reconnecting" in page.locator(".terminal-status").inner_text()
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    page.locator(".terminal-host").click()
    page.keyboard.type("echo back-$((8*8))")
    page.keyboard.press("Enter")
    wait_for_terminal(page, "back-64")


def test_chinese_output_shows_in_the_browser(page, server):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    page.locator(".terminal-host").click()
    page.keyboard.type("for i in $(seq 1 3000); do printf '\\u4f60\\u597d'; done | tail -c 30; echo; echo cn-$((3+4))")
    page.keyboard.press("Enter")
    wait_for_terminal(page, "cn-7")
    assert "你好你好" in terminal_text(page)
    assert "\ufffd" not in terminal_text(page)
