"""A student in real Chromium: log in, open a lesson, type in the terminal, press Run."""

import os

import pytest

from sandbox.tests.browser import (
    BUFFER_TEXT,
    login,
    running_server,
    terminal_text,
    type_command,
    wait_for_terminal,
    wait_until_ready,
)
from sandbox.tests.live_server import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9200
SCREENSHOT = os.environ.get("DOCKYARD_SCREENSHOT", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {"student": ("pw-student-123", STUDENT_ID)}) as live:
        yield live


@pytest.fixture
def page(server, browser):
    context, page = login(browser, server, "student", "pw-student-123", "/lessons/first-containers/")
    yield page
    context.close()


def test_a_student_types_in_the_lesson_terminal(page, server):
    wait_until_ready(page)
    assert page.locator(".terminal-status").inner_text() == "Ready"
    type_command(page, "echo $((6*7)) is the answer")
    wait_for_terminal(page, "42 is the answer")


def test_the_run_button_types_the_exercise(page, server):
    wait_until_ready(page)
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


def test_reloading_the_page_keeps_the_shell_and_its_screen(page, server):
    wait_until_ready(page)
    type_command(page, "export KEEP=still-$((5*5)); echo shown-$((6*6))")
    wait_for_terminal(page, "shown-36")
    page.reload()
    wait_until_ready(page)
    wait_for_terminal(page, "shown-36")  # the earlier output is back before anything is typed
    type_command(page, "echo $KEEP")
    wait_for_terminal(page, "still-25")


def test_a_second_tab_shows_the_same_shell(page, server):
    wait_until_ready(page)
    other = page.context.new_page()
    other.goto(server.url + "/lessons/first-containers/")
    wait_until_ready(other)
    type_command(other, "echo from-the-other-tab-$((9*9))")
    wait_for_terminal(page, "from-the-other-tab-81")
    other.close()


def test_the_page_reconnects_after_a_dropped_connection(page, server):
    wait_until_ready(page)
    page.evaluate("() => window.dockyardTerminal.socket.close()")
    page.wait_for_selector("#terminal-pane[data-state=reconnecting]", timeout=5_000)
    assert "reconnecting" in page.locator(".terminal-status").inner_text()
    wait_until_ready(page)
    type_command(page, "echo back-$((8*8))")
    wait_for_terminal(page, "back-64")


def test_chinese_output_shows_in_the_browser(page, server):
    wait_until_ready(page)
    type_command(page, "for i in $(seq 1 3000); do printf '\\u4f60\\u597d'; done | tail -c 30; echo; echo cn-$((3+4))")
    wait_for_terminal(page, "cn-7")
    assert "你好你好" in terminal_text(page)
    assert "\ufffd" not in terminal_text(page)


def test_the_page_stays_responsive_during_a_flood(page, server):
    wait_until_ready(page)
    type_command(page, "yes 'flood flood flood flood' | head -c 500000000; echo flood-$((3*3))-over")
    page.wait_for_function(f"() => ({BUFFER_TEXT})().includes('flood flood')", timeout=60_000)
    # Mid-flood the page still takes keystrokes: Ctrl-C stops the flood, the shell answers.
    started = page.evaluate("() => performance.now()")
    page.keyboard.press("Control+C")
    type_command(page, "echo alive-$((2+2))")
    wait_for_terminal(page, "alive-4")
    stalled = page.evaluate("() => performance.now()") - started
    print(f"keystrokes answered {stalled:.0f} ms into a flood")  # a number for the notes, not an assertion
    assert "flood-9-over" not in terminal_text(page)  # it was stopped, not waited out
