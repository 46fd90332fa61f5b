"""Lesson 7 in real Chromium, as a class hit it (issue 10, point 9): `docker run -d`
returns before nginx listens, so the `curl` right after it failed with "Connection
reset by peer" while the step went green. The lesson's own command now waits for
the server, and the step's check passes only for the effect it teaches."""

import pytest

from sandbox.tests.browser import (
    login,
    running_server,
    terminal_text,
    type_command,
    wait_for_terminal,
    wait_until_ready,
)

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT, STUDENT_ID, PASSWORD = "racer", 9311, "pw-racer-123"
LESSON_URL = "/lessons/understanding-images-with-commit/"
STEP = "section.step[data-step=web2]"
CURL_ERRORS = ("curl: (", "Connection reset", "Connection refused", "Recv failure")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {STUDENT: (PASSWORD, STUDENT_ID)}) as live:
        yield live


def test_the_lessons_curl_waits_for_nginx_and_the_check_wants_the_new_page(browser, server):
    context, page = login(browser, server, STUDENT, PASSWORD, LESSON_URL)
    wait_until_ready(page)

    # The wrong server on the right port: the step must not pass.
    type_command(page, "docker run --name web2 -d -p 8081:80 nginx >/dev/null && echo wrong-server-$((2*3))")
    wait_for_terminal(page, "wrong-server-6", timeout_ms=120_000)
    page.locator(f"{STEP} [data-action=check]").click()
    message = page.locator(f"{STEP} .check-message")
    message.wait_for(state="visible", timeout=30_000)
    assert "Hello, Docker!" in message.inner_text()  # the check's own explanation
    assert page.locator(STEP).get_attribute("data-state") != "passed"

    # What the lesson's earlier steps make: nginx:v2 with the new page; here nginx takes
    # two seconds to listen, as it did on the class's busy machine.
    type_command(
        page,
        "docker exec web2 sh -c \"echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html\""
        " && docker commit --change 'CMD sleep 2; exec nginx -g \"daemon off;\"' web2 nginx:v2 >/dev/null"
        " && docker rm -f web2 >/dev/null && echo made-$((3*3))",
    )
    wait_for_terminal(page, "made-9", timeout_ms=60_000)

    # The lesson's Run button: `docker run -d` and, at once, `curl`.
    before = len(terminal_text(page))
    page.locator(f"{STEP} .runnable [data-action=run]").first.click()
    page.wait_for_selector(f"{STEP}[data-state=passed]", timeout=60_000)
    page.wait_for_function("() => document.getElementById('terminal-pane').dataset.running === 'false'", timeout=30_000)
    ran = terminal_text(page)[before:]
    answer = ran[ran.rfind("localhost:8081") :]
    # curl may say it retries; the last word is nginx's page, not an error.
    last_error = max(answer.rfind(error) for error in CURL_ERRORS)
    assert answer.rfind("<h1>Hello, Docker!</h1>") > last_error, ran
    context.close()
