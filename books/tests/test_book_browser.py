"""A student in real Chromium on an imported book: Run types only the `$ ` commands,
Save as Dockerfile writes the file in their sandbox."""
import hashlib

import pytest

from books.tests.helpers import FIXTURE_BOOK
from books.tests.test_dockerfile_blocks import fixture_dockerfile
from sandbox.tests.browser import BUFFER_TEXT, login, running_server, terminal_text, wait_for_terminal

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9600


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {"h6-student": ("pw-student-123", STUDENT_ID)}
    prepare = [("import_book", str(FIXTURE_BOOK), "--slug", "tiny")]
    with running_server(tmp_path_factory, users, prepare=prepare) as live:
        yield live


@pytest.fixture(scope="module")
def page(server, browser):
    context, page = login(browser, server, "h6-student", "pw-student-123", "/books/tiny/basics-run/")
    yield page
    context.close()


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
