"""Terminal recordings in real Chromium on a real sandbox: the instructor makes
a class that records, a student joins and runs three commands (the page says
it is recorded), the instructor opens the replay from the dashboard, sees the
commands listed, jumps to the second and sees its output on the player's
screen; the .cast file downloads. Screenshots go to DOCKYARD_SCREENSHOTS."""

import re
from pathlib import Path

import pytest

from classroom.tests.test_classroom_browser import LESSON_URL, LESSONS, SHELL_STATES, shot
from recordings.tests import asciicast_reader
from sandbox.tests.browser import login, running_server, type_command, wait_for_terminal, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
INSTRUCTOR, STUDENT = "rina", "rstu"
IDS = {INSTRUCTOR: 9900, STUDENT: 9901}
COMMANDS = ["echo first-$((40+2))", "printf 'second-%s\\n' out put", "echo third-done"]
PLAYER_TEXT = "() => document.querySelector('#player .ap-term-text, #player .ap-term').innerText"


def password(name):
    return f"pw-{name}-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {name: (password(name), user_id) for name, user_id in IDS.items()}
    with running_server(tmp_path_factory, users, env={"LESSONS_DIR": str(LESSONS)}) as live:
        live.manage("make_instructor", INSTRUCTOR)
        yield live


def test_the_instructor_replays_a_students_commands(server, browser):
    context, dashboard = login(browser, server, INSTRUCTOR, password(INSTRUCTOR), "/classroom/new/", (1440, 900))
    dashboard.fill("input[name=name]", "Recorded class")
    dashboard.select_option("select[name=recording]", "on")
    dashboard.fill("input[name='position-lesson:class-steps']", "1")
    dashboard.click("main form button[type=submit]")
    dashboard.wait_for_selector("#dashboard[data-rendered=true]")
    code = dashboard.locator(".dash-join .join-code").inner_text()

    student_context, page = login(browser, server, STUDENT, password(STUDENT), "/classroom/join/", (1280, 720))
    page.fill("input[name=code]", code)
    page.click("main form button[type=submit]")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/classroom/\d+/$"))
    page.goto(server.url + LESSON_URL)
    wait_until_ready(page, states=SHELL_STATES)
    assert page.locator(".rec-badge").inner_text() == "Recorded"
    for command, output in zip(COMMANDS, ["first-42", "second-out\nsecond-put", "third-done"], strict=True):
        type_command(page, command)
        wait_for_terminal(page, output.split("\n")[-1])
    page.wait_for_timeout(1500)  # the recording is written once a second
    shot(page, "recording-student")

    row = dashboard.locator(f".dash-row[data-username={STUDENT}]")
    row.wait_for(timeout=10_000)
    # The menu that holds the recordings says so to a screen reader too.
    row.get_by_role("button", name=re.compile("see their recordings")).click()
    with context.expect_page() as opened:
        dashboard.click(".row-menu [data-menu=recordings]")
    listing = opened.value
    listing.wait_for_load_state()
    listing.locator(".recording-list a.button").first.click()
    listing.wait_for_selector("#replay[data-loaded=true]", timeout=10_000)
    commands = listing.locator("#replay-commands li code")
    assert commands.all_inner_texts() == COMMANDS
    assert listing.locator("#replay-commands .cmd-exit").all_inner_texts() == ["exit 0"] * 3

    listing.locator("#replay-commands li button").nth(1).click()
    listing.wait_for_function(f"() => ({PLAYER_TEXT})().includes('second-put')", timeout=10_000)
    screen = listing.evaluate(PLAYER_TEXT)
    assert "second-out" in screen and "third-done" not in screen
    shot(listing, "recording-replay")

    listing.fill("#replay-search input", "third-done")
    assert listing.locator("#replay-matches li button").count() >= 1

    with listing.expect_download() as download:
        listing.click("a[href$='.cast?download=1']")
    head, events = asciicast_reader.read(Path(download.value.path()).read_bytes())
    assert head["version"] == 2
    assert asciicast_reader.markers(events)[:2] == [f"$ {COMMANDS[0]}", "exit 0"]
    student_context.close()
    context.close()
