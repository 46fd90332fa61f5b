"""The book's nginx exercise end to end in Chromium: publish a port in the
terminal, open it from the lesson page, change the page, see the change."""

import pytest

from sandbox.tests.browser import login, running_server, type_command, wait_for_terminal, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9210


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {"webstudent": ("pw-webstudent-123", STUDENT_ID), "otherstudent": ("pw-otherstudent-123", STUDENT_ID + 1)}
    with running_server(tmp_path_factory, users) as live:
        yield live


def test_the_nginx_exercise_opens_in_the_browser(server, browser):
    context, page = login(browser, server, "webstudent", "pw-webstudent-123", "/lessons/first-containers/")
    wait_until_ready(page)
    type_command(page, "docker run -d -p 80:80 --name webserver nginx")
    link = page.wait_for_selector(".port-link[data-port='80']", timeout=60_000)
    with context.expect_page() as opened:
        link.click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "Welcome to nginx!"

    page.bring_to_front()
    type_command(
        page,
        "docker exec webserver sh -c \"echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html\"; echo changed-$((1+1))",
    )
    wait_for_terminal(page, "changed-2")
    preview.reload()
    assert preview.locator("h1").inner_text() == "Hello, Docker!"

    # Another student asking for the same preview URL never sees this page.
    other_context, other = login(browser, server, "otherstudent", "pw-otherstudent-123", "/lessons/")
    response = other.goto(server.url + "/sandbox/preview/80/")
    assert response.status in (404, 503)
    assert "Hello, Docker!" not in other.content()
    other_context.close()
    context.close()
