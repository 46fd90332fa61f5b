"""The app restarts in the middle of a lesson: the student's page reconnects by
itself, shows the screen as it was and the command that was running finishes
in the same shell (the sandbox holds it: dockyard-shell)."""

import os

import pytest

from sandbox.tests.browser import (
    login,
    running_server,
    terminal_text,
    type_command,
    wait_for_terminal,
    wait_until_ready,
)
from sandbox.tests.live_server import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9410
SCREENSHOT = os.environ.get("DOCKYARD_SCREENSHOT_DIR", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {"student": ("pw-student-123", STUDENT_ID)}) as live:
        yield live


def test_a_restart_in_the_middle_of_a_command_loses_nothing(server, browser):
    context, page = login(browser, server, "student", "pw-student-123", "/lessons/first-containers/")
    wait_until_ready(page, server=server)
    type_command(page, "echo $$ > /tmp/page-shell; echo started-$((6*7)); sleep 8; echo finished-$((3*4))")
    wait_for_terminal(page, "started-42")

    server.restart()
    # The page saw the connection drop and comes back by itself (its backoff: 1, 2, 4 … s).
    wait_for_terminal(page, "finished-12", timeout_ms=60_000)
    wait_until_ready(page, server=server)
    shown = terminal_text(page)
    assert "started-42" in shown  # the screen from before the restart
    assert shown.count("started-42") == 1  # drawn once, not once per reconnect
    type_command(page, "echo same-shell-$(( $$ == $(cat /tmp/page-shell) ))")
    wait_for_terminal(page, "same-shell-1")
    if SCREENSHOT:
        page.screenshot(path=str(ROOT / SCREENSHOT / "after-restart.png"))
    context.close()
