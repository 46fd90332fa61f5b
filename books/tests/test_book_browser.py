"""A student in real Chromium on an imported book: Run types only the `$ ` commands,
Save as Dockerfile writes the file in their sandbox."""
import asyncio
import hashlib
from pathlib import Path

import pytest
from django.test import override_settings

from books.tests.helpers import FIXTURE_BOOK
from books.tests.test_dockerfile_blocks import fixture_dockerfile
from conftest import missing
from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import LiveServer
from sandbox.tests.test_terminal_browser import BUFFER_TEXT, CHROMIUM, terminal_text, wait_for_terminal

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9600


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_engine_and_images()
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed")
    live = LiveServer(tmp_path_factory.mktemp("live"))
    live.start()
    live.manage("import_book", str(FIXTURE_BOOK), "--slug", "tiny")
    live.create_user("h6-student", "pw-student-123", STUDENT_ID)
    yield live
    live.stop()
    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX):
        asyncio.run(DockerBackend().remove(f"u{STUDENT_ID}"))


@pytest.fixture(scope="module")
def page(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="en-US")
        page.goto(server.url + "/accounts/login/?next=/books/tiny/basics-run/")
        page.fill("input[name=username]", "h6-student")
        page.fill("input[name=password]", "pw-student-123")
        page.click("form button[type=submit]")
        page.wait_for_url("**/books/tiny/basics-run/")
        yield page
        browser.close()


def _ready(page):
    page.wait_for_selector("#terminal-pane[data-state=engine-ready]", timeout=90_000)


def test_run_types_the_commands_and_not_the_prompt_or_output(page):
    _ready(page)
    page.locator(".runnable [data-action=run]").first.click()
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().split('\\n').some((line) => line.trim() === 'Linux')", timeout=60_000
    )
    lines = [line.strip() for line in terminal_text(page).splitlines()]
    assert "hello" in lines
    assert "command not found" not in terminal_text(page)  # no "$" and no output line was typed


def test_save_as_dockerfile_writes_the_file(page, server):
    page.goto(server.url + "/books/tiny/build-dockerfile/")
    _ready(page)
    page.get_by_role("button", name="Save as Dockerfile").click()
    page.locator(".terminal-host").click()
    page.keyboard.type("md5sum < ~/book-build-dockerfile/Dockerfile | cut -c1-32")
    page.keyboard.press("Enter")
    wait_for_terminal(page, hashlib.md5(fixture_dockerfile().encode()).hexdigest())
