"""A class in real Chromium on real sandboxes: an instructor and three students,
each in a browser context of their own. The instructor makes the class in its
form; students join by its link (one signing up there) and by its code; then
each feature as the instructor and the students see it on their pages.
Screenshots go to DOCKYARD_SCREENSHOTS when it is set."""

import csv
import io
import os
import re
from pathlib import Path

import pytest

from sandbox.tests.browser import (
    login,
    remove_sandboxes,
    running_server,
    terminal_text,
    type_command,
    wait_for_terminal,
    wait_until_ready,
)

pytestmark = [pytest.mark.docker, pytest.mark.browser]
INSTRUCTOR, OTHER_INSTRUCTOR, STUDENT_B, STUDENT_C = "ina", "oto", "bea", "cai"
NEW_STUDENT = "amy"  # signs up from the join link
IDS = {INSTRUCTOR: 9601, OTHER_INSTRUCTOR: 9602, STUDENT_B: 9603, STUDENT_C: 9604}
LESSONS = Path(__file__).parent / "fixtures" / "lessons"
LESSON_URL = "/lessons/class-steps/"
SHELL_STATES = ("ready", "engine-ready")
SHOTS = os.environ.get("DOCKYARD_SCREENSHOTS", "")


def password(name):
    return f"pw-{name}-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {name: (password(name), user_id) for name, user_id in IDS.items()}
    with running_server(tmp_path_factory, users, env={"LESSONS_DIR": str(LESSONS), "OPEN_SIGNUP": "false"}) as live:
        live.manage("make_instructor", INSTRUCTOR)
        live.manage("make_instructor", OTHER_INSTRUCTOR)
        live.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.filter(username={INSTRUCTOR!r}).update(first_name='Ina')",
        )
        yield live
        signed_up = live.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; print(*get_user_model()"
            f".objects.filter(username={NEW_STUDENT!r}).values_list('id', flat=True))",
        )
        remove_sandboxes([int(word) for word in signed_up.split() if word.isdigit()])


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def row(dashboard, username):
    return dashboard.locator(f".dash-row[data-username={username}]")


@pytest.fixture(scope="module")
def session(server, browser):
    """The class made in its form, the dashboard open, three students in it."""
    people = {}
    context, dashboard = login(
        browser, server, INSTRUCTOR, password(INSTRUCTOR), "/classroom/new/", viewport=(1440, 900)
    )
    dashboard.fill("input[name=name]", "Browser class")
    dashboard.fill("input[name='position-lesson:class-steps']", "1")
    dashboard.click("main form button[type=submit]")
    dashboard.wait_for_selector("#dashboard[data-rendered=true]")
    people[INSTRUCTOR] = (context, dashboard)
    class_id = int(re.search(r"/classroom/(\d+)/dashboard/", dashboard.url).group(1))
    link = dashboard.locator("[data-action=copy-link]").get_attribute("data-link")
    code = dashboard.locator(".dash-join .join-code").inner_text()
    yield {"server": server, "browser": browser, "people": people, "class_id": class_id, "link": link, "code": code}
    for context, _ in people.values():
        context.close()


def test_students_join_by_link_and_by_code_and_appear_on_the_dashboard(session):
    server, browser, people = session["server"], session["browser"], session["people"]
    dashboard = people[INSTRUCTOR][1]
    # A new student signs up from the link (open sign-up is off on this server).
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.url + "/accounts/signup/")
    assert "Sign-up is closed" in page.content()
    page.goto(session["link"])
    assert page.locator("h1").inner_text() == "Join Browser class"
    page.fill("input[name=username]", NEW_STUDENT)
    page.fill("input[name=password1]", "a-long-passphrase-42")
    page.fill("input[name=password2]", "a-long-passphrase-42")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/classroom/{session['class_id']}/")
    assert page.locator(".class-contents a").inner_text() == "Files for the class"
    people[NEW_STUDENT] = (context, page)
    # An existing student opens the link and confirms.
    context, page = login(browser, server, STUDENT_B, password(STUDENT_B), "/classroom/", viewport=(1280, 720))
    page.goto(session["link"])
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/classroom/{session['class_id']}/")
    people[STUDENT_B] = (context, page)
    # Another types the code.
    context, page = login(browser, server, STUDENT_C, password(STUDENT_C), "/classroom/join/", viewport=(1280, 720))
    page.fill("input[name=code]", session["code"].lower())
    page.click("main form button[type=submit]")
    page.click("main form button[type=submit]")  # "Join as cai"
    page.wait_for_url(f"**/classroom/{session['class_id']}/")
    people[STUDENT_C] = (context, page)
    for name in (NEW_STUDENT, STUDENT_B, STUDENT_C):
        row(dashboard, name).wait_for(timeout=5_000)  # pushed, not reloaded
    dashboard.wait_for_function("() => document.querySelector('.dash-counts').textContent.startsWith('3 of 3')")


def open_lesson(session, name):
    page = session["people"][name][1]
    page.goto(session["server"].url + LESSON_URL)
    wait_until_ready(page, states=SHELL_STATES)
    return page


def test_a_passed_step_turns_the_instructors_cell_green(session):
    dashboard = session["people"][INSTRUCTOR][1]
    page = open_lesson(session, NEW_STUDENT)
    row(dashboard, NEW_STUDENT).locator(".sandbox-state.state-running").wait_for(timeout=10_000)
    type_command(page, "echo hello > ~/hello.txt")
    page.wait_for_selector("section.step[data-step=make-file][data-state=passed]", timeout=30_000)
    cell = row(dashboard, NEW_STUDENT).locator(".step-cell.passed[data-step=make-file]")
    cell.wait_for(timeout=2_000)  # within a second or so of the student's page
    assert re.fullmatch(r"\d\d:\d\d", cell.inner_text())
    assert row(dashboard, NEW_STUDENT).locator(".step-cell[data-step=say-world].todo").count() == 1
    assert dashboard.locator(".step-count[data-step='class-steps/make-file']").inner_text() == "1/3"
    assert row(dashboard, NEW_STUDENT).locator(".cmd-status.ok").count() == 1


def test_a_failing_command_shows_on_the_dashboard(session):
    dashboard = session["people"][INSTRUCTOR][1]
    page = open_lesson(session, STUDENT_B)
    type_command(page, "lss -l")
    wait_for_terminal(page, "command not found")
    status = row(dashboard, STUDENT_B).locator(".cmd-status.failed")
    status.wait_for(timeout=2_000)
    assert status.inner_text() == "failed (exit 127)"
    row(dashboard, STUDENT_B).locator(".mini-screen", has_text="lss: command not found").wait_for(timeout=5_000)
    dashboard.click("[data-filter=help]")  # needs help: a failed last command, or a raised hand
    dashboard.wait_for_function("() => document.querySelectorAll('.dash-row').length === 1")
    assert row(dashboard, STUDENT_B).count() == 1
    dashboard.click("[data-filter=all]")
    dashboard.wait_for_function("() => document.querySelectorAll('.dash-row').length === 3")


def test_a_help_request_round_trip(session):
    dashboard = session["people"][INSTRUCTOR][1]
    page = session["people"][STUDENT_B][1]
    page.click("[data-action=ask-help]")
    page.fill("#help-text", "what is lss?")
    page.click(".help-form button[type=submit]")
    page.wait_for_selector(".class-dock[data-help-state=open]")
    item = dashboard.locator(".help-item", has_text="what is lss?")
    item.wait_for(timeout=2_000)
    assert "Files for the class › Make a file" in item.inner_text()
    assert row(dashboard, STUDENT_B).locator(".hand").count() == 1
    with session["people"][INSTRUCTOR][0].expect_page() as opened:
        item.locator("[data-action=open-help]").click()
    watcher = opened.value
    watcher.wait_for_selector("#terminal-pane[data-state=watching]", timeout=30_000)
    page.wait_for_selector(".class-dock[data-help-state=seen]", timeout=5_000)
    assert page.locator(".help-status-text").inner_text() == "Ina has seen it and is coming"
    session["watcher"] = watcher
    item.locator("[data-action=resolve-help]").click()
    page.wait_for_selector(".class-dock[data-help-state=resolved]", timeout=5_000)
    dashboard.wait_for_selector(".help-queue", state="hidden")
    assert row(dashboard, STUDENT_B).locator(".hand").count() == 0


def test_take_over_types_in_the_students_terminal_with_a_banner(session):
    watcher = session["watcher"]
    page = session["people"][STUDENT_B][1]
    watcher.click("[data-action=take-over]")
    banner = page.locator(".terminal-typist")
    banner.wait_for(state="visible", timeout=5_000)
    assert banner.locator(".typist-text").inner_text() == "Ina is typing in your terminal. Your own keys still work."
    assert watcher.locator(".terminal-typist .typist-text").inner_text().startswith(f"You are typing in {STUDENT_B}")
    watcher.locator(".terminal-host").click()
    watcher.keyboard.type("echo typed-by-$((40+2))-ina")
    watcher.keyboard.press("Enter")
    wait_for_terminal(page, "typed-by-42-ina")
    type_command(page, "echo student-too-$((1+1))")  # the student's own keys still work
    wait_for_terminal(page, "student-too-2")
    shot(page, "take-over-student")
    page.locator(".terminal-typist [data-action=end-take-over]").click()  # the student ends it
    banner.wait_for(state="hidden", timeout=5_000)
    watcher.wait_for_function("() => !window.dockyardTerminal.typingAsGuest")
    before = terminal_text(page)
    watcher.locator(".terminal-host").click()
    watcher.keyboard.type("echo not-any-more")
    watcher.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert "not-any-more" not in terminal_text(page)[len(before) - 200 :]
    watcher.close()


def test_reset_gives_the_student_a_fresh_sandbox(session):
    dashboard = session["people"][INSTRUCTOR][1]
    page = open_lesson(session, STUDENT_C)
    type_command(page, "echo mine > ~/mark.txt && cat ~/mark.txt")
    wait_for_terminal(page, "\nmine")
    row(dashboard, STUDENT_C).locator("[data-action=row-menu]").click()
    dashboard.click(".row-menu [data-menu=reset]")
    dialog = dashboard.locator("#confirm-dialog")
    assert dialog.locator(".confirm-text").inner_text().startswith(f"Reset {STUDENT_C}’s sandbox?")
    dialog.locator(".confirm-ok").click()
    notice = page.locator(".notice-sandbox")
    notice.wait_for(timeout=60_000)
    assert " ".join(notice.inner_text().split()).startswith("Your instructor Ina reset your sandbox")
    page.wait_for_selector(".terminal-stopped:not([hidden])", timeout=10_000)
    page.wait_for_selector(".terminal-stopped[hidden]", state="attached", timeout=90_000)  # a fresh one is ready
    wait_until_ready(page, states=SHELL_STATES)
    row(dashboard, STUDENT_C).locator(".sandbox-state.state-running").wait_for(timeout=30_000)
    type_command(page, "ls ~/mark.txt; echo exit=$?")
    wait_for_terminal(page, "exit=2")
    assert "No such file or directory" in terminal_text(page)


def test_a_broadcast_appears_on_every_students_page(session):
    dashboard = session["people"][INSTRUCTOR][1]
    dashboard.fill("#broadcast-text", "Break until 10:45")
    dashboard.click(".dash-broadcast button[type=submit]")
    for name in (NEW_STUDENT, STUDENT_B, STUDENT_C):
        notice = session["people"][name][1].locator(".notice-broadcast")
        notice.wait_for(timeout=2_000)
        assert " ".join(notice.inner_text().split()) == "Ina: Break until 10:45 ×"


def test_the_csv_export_matches_what_was_done(session):
    dashboard = session["people"][INSTRUCTOR][1]
    passed_at = row(dashboard, NEW_STUDENT).locator(".step-cell[data-step=make-file]").inner_text()
    with dashboard.expect_download() as download:
        dashboard.click("[data-action=export]")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0] == ["username", "name", "steps passed", "class-steps/make-file", "class-steps/say-world"]
    by_name = {line[0]: line for line in rows[1:]}
    assert set(by_name) == {NEW_STUDENT, STUDENT_B, STUDENT_C}
    assert by_name[NEW_STUDENT][2] == "1" and by_name[NEW_STUDENT][4] == ""
    assert by_name[NEW_STUDENT][3][11:16] == passed_at  # the time the dashboard showed (both in UTC here)
    assert by_name[STUDENT_B][2:] == ["0", "", ""] and by_name[STUDENT_C][2:] == ["0", "", ""]


def test_a_lesson_the_class_does_not_cover_is_named_on_the_dashboard(session):
    """Students may open any lesson; the instructor reads its title, not its slug."""
    dashboard = session["people"][INSTRUCTOR][1]
    page = session["people"][STUDENT_C][1]
    page.goto(session["server"].url + "/lessons/beyond-the-class/")
    wait_until_ready(page, states=SHELL_STATES)
    cell = row(dashboard, STUDENT_C).locator(".c-lesson", has_text="Beyond the class")
    cell.wait_for(timeout=10_000)
    assert (cell.inner_text(), cell.get_attribute("title")) == ("Beyond the class", "Beyond the class")


def test_every_permission_case_is_refused(session):
    server, class_id = session["server"], session["class_id"]
    student = session["people"][STUDENT_B][1]
    for url in (
        f"/classroom/{class_id}/dashboard/",
        f"/classroom/{class_id}/progress.csv",
        f"/sandbox/watch/{STUDENT_C}/",
        "/classroom/new/",
    ):
        response = student.goto(server.url + url)
        assert response.status == 403, url
        assert "This page is not for you" in student.content()
    code = student.evaluate(
        """(path) => new Promise((resolve) => {
        const socket = new WebSocket("ws://" + location.host + path);
        socket.onopen = () => resolve("open");
        socket.onclose = (event) => resolve(event.code);
    })""",
        f"/ws/classroom/{class_id}/dashboard/",
    )
    assert code != "open"
    code = student.evaluate(
        """(path) => new Promise((resolve) => {
        const socket = new WebSocket("ws://" + location.host + path);
        socket.onopen = () => resolve("open");
        socket.onclose = (event) => resolve(event.code);
    })""",
        f"/ws/terminal/{STUDENT_C}/",
    )
    assert code != "open"
    status = student.evaluate(
        """(url) => fetch(url, {method: "POST", headers: {"X-CSRFToken":
        document.querySelector("input[name=csrfmiddlewaretoken]").value}}).then((r) => r.status)""",
        f"/classroom/{class_id}/students/{IDS[STUDENT_C]}/reset/",
    )
    assert status == 403
    context, other = login(session["browser"], server, OTHER_INSTRUCTOR, password(OTHER_INSTRUCTOR), "/classroom/")
    assert other.goto(server.url + f"/classroom/{class_id}/dashboard/").status == 404
    assert other.goto(server.url + f"/sandbox/watch/{STUDENT_B}/").status == 403
    assert "Browser class" not in other.goto(server.url + "/classroom/").text()
    context.close()
