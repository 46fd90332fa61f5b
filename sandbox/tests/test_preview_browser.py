"""The book's nginx exercise end to end in Chromium: publish a port in the
terminal, open it from the lesson page, change the page, see the change."""
import asyncio

import pytest
from django.test import override_settings

from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import LiveServer
from sandbox.tests.test_terminal_browser import CHROMIUM, browser, wait_for_terminal  # noqa: F401

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9210


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from pathlib import Path

    from conftest import missing

    require_engine_and_images()
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed")
    live = LiveServer(tmp_path_factory.mktemp("live-preview"))
    live.start()
    live.create_user("webstudent", "pw-webstudent-123", STUDENT_ID)
    live.create_user("otherstudent", "pw-otherstudent-123", STUDENT_ID + 1)
    yield live
    live.stop()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        asyncio.run(DockerBackend().remove(f"u{STUDENT_ID}"))


def logged_in(browser, server, username, password, next_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url("**" + next_url)
    return context, page


def type_command(page, command):
    page.locator(".terminal-host").click()
    page.keyboard.type(command)
    page.keyboard.press("Enter")


def test_the_nginx_exercise_opens_in_the_browser(server, browser):
    context, page = logged_in(browser, server, "webstudent", "pw-webstudent-123", "/lessons/first-containers/")
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=60_000)
    type_command(page, "docker run -d -p 80:80 --name webserver nginx")
    link = page.wait_for_selector(".port-link[data-port='80']", timeout=60_000)
    with context.expect_page() as opened:
        link.click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "Welcome to nginx!"

    page.bring_to_front()
    type_command(page, "docker exec webserver sh -c \"echo '<h1>Hello, Docker!</h1>' > /usr/share/nginx/html/index.html\"; echo changed-$((1+1))")
    wait_for_terminal(page, "changed-2")
    preview.reload()
    assert preview.locator("h1").inner_text() == "Hello, Docker!"

    # Another student asking for the same preview URL never sees this page.
    other_context, other = logged_in(browser, server, "otherstudent", "pw-otherstudent-123", "/lessons/")
    response = other.goto(server.url + "/sandbox/preview/80/")
    assert response.status in (404, 503)
    assert "Hello, Docker!" not in other.content()
    other_context.close()
    context.close()
