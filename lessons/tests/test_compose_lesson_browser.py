"""The Compose lesson walked by a student in real Chromium: every Run button of the
lesson's text, in order (the solutions' are left alone), each step turns to passed,
and the web preview of the app's published port shows the counter page, counting
on when reloaded."""

import re

import pytest

from lessons.tests.lesson_walk import run_every_block
from sandbox.tests.browser import login, running_server, terminal_text, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT, STUDENT_ID, PASSWORD = "compose-walker", 9750, "pw-compose-123"
LESSON_URL = "/lessons/compose/"
STEPS = ["compose-file", "up", "exec", "down-up", "scale", "down"]
APP_PORT = 8000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {STUDENT: (PASSWORD, STUDENT_ID)}) as live:
        yield live


def _visits(preview):
    text = preview.locator("p").inner_text()
    match = re.search(r"Visits: (\d+), served by [0-9a-f]{12}", text)
    assert match, text
    return int(match[1])


def _check_the_preview(context, page):
    """The app's port in the terminal bar opens the counter page, which counts on."""
    link = page.wait_for_selector(f".port-link[data-port='{APP_PORT}']", timeout=60_000)
    with context.expect_page() as opened:
        link.click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "Hello from Compose!"
    first = _visits(preview)
    preview.reload()
    assert _visits(preview) > first
    preview.close()
    page.bring_to_front()


def test_a_student_runs_the_compose_lesson_and_sees_the_app_in_the_preview(browser, server):
    context, page = login(browser, server, STUDENT, PASSWORD, LESSON_URL)
    wait_until_ready(page)

    def after_step(step):
        if step == "up":
            _check_the_preview(context, page)

    run_every_block(page, STEPS, 180_000, after_step=after_step)
    shown = terminal_text(page)
    assert "Hello from Compose!" in shown
    assert re.search(r"Visits: 10\d\d, served by", shown)  # counted on from the 1000 set with exec
    assert "port is already allocated" in shown  # the scale step's first try, as the text says
    assert "authorization denied" not in shown
    context.close()
