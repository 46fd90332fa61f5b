"""The lesson on containers walked by a student in real Chromium: every Run button
of the lesson's text, in order (the solutions' are left alone), and each step turns
to passed. Its blocks open programs the Run button must type into (docker exec -it,
docker attach) and one that ends the container it attached to."""

import pytest

from lessons.tests.lesson_walk import run_every_block
from sandbox.tests.browser import login, running_server, terminal_text, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT, STUDENT_ID, PASSWORD = "h14-walker", 9740, "pw-walker-123"
LESSON_URL = "/lessons/containers/"
STEPS = ["ticker", "restart", "exec", "export-import", "clean-up"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {STUDENT: (PASSWORD, STUDENT_ID)}) as live:
        yield live


def test_a_student_runs_every_block_and_every_step_turns_green(browser, server):
    context, page = login(browser, server, STUDENT, PASSWORD, LESSON_URL)
    wait_until_ready(page)
    run_every_block(page, STEPS, 120_000)
    shown = terminal_text(page)
    assert "this shell is process 1" in shown  # typed into the attached main shell
    imported = shown[shown.rfind("box:snapshot cat /note.txt") :]
    assert "written with exec" in imported  # the image imported from the export holds the note
    assert "authorization denied" not in shown
    context.close()
