"""A student in real Chromium on an imported book: Run types only the commands
(a loop whole, a template without Enter), Save as Dockerfile writes the file in
their sandbox, and pages read like the book: diagrams drawn offline, callouts,
parts in the table of contents, one title. Screenshots of those pages go to
DOCKYARD_BOOK_SCREENSHOTS (a folder) when it is set, to be looked at."""

import hashlib
import os
from pathlib import Path

import pytest

from books.tests.helpers import FIXTURE_BOOK
from books.tests.test_dockerfile_blocks import fixture_dockerfile
from sandbox.tests.browser import BUFFER_TEXT, login, running_server, terminal_text, wait_for_terminal, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9600


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {"h6-student": ("pw-student-123", STUDENT_ID)}
    prepare = [
        ("import_book", str(FIXTURE_BOOK), "--slug", "tiny"),
        ("import_book", str(FIXTURE_BOOK), "--slug", "tiny-zh", "--language", "zh-hans"),
    ]
    with running_server(tmp_path_factory, users, prepare=prepare) as live:
        yield live


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = Path(os.environ.get("DOCKYARD_BOOK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(server, browser):
    context, page = login(browser, server, "h6-student", "pw-student-123", "/books/tiny/basics-run/")
    # Nothing may come from outside the classroom server: diagrams are drawn offline.
    context.outside_requests = []

    def only_the_server(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            context.outside_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_server)
    yield page
    context.close()


def _ready(page, server=None):
    wait_until_ready(page, server=server)


def _lines(page):
    return [line.rstrip() for line in terminal_text(page).splitlines()]


def test_run_types_the_commands_and_not_the_prompt_or_output(page):
    _ready(page)
    page.locator(".runnable [data-action=run]").first.click()
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().split('\\n').some((line) => line.trim() === 'Linux')", timeout=60_000
    )
    lines = [line.strip() for line in terminal_text(page).splitlines()]
    assert "hello" in lines
    assert "command not found" not in terminal_text(page)  # no "$" and no output line was typed


def test_save_as_dockerfile_writes_the_file_and_goes_there(page, server):
    page.goto(server.url + "/books/tiny/build-dockerfile/")
    _ready(page, server)
    assert page.locator(".save-path").inner_text() == "Saves to ~/book-build-dockerfile/Dockerfile"
    page.get_by_role("button", name="Save as Dockerfile").click()
    page.locator(".terminal-host").click()
    page.keyboard.type("md5sum < Dockerfile | cut -c1-32; pwd")
    page.keyboard.press("Enter")
    wait_for_terminal(page, hashlib.md5(fixture_dockerfile().encode()).hexdigest())
    wait_for_terminal(page, "/root/book-build-dockerfile")


def test_a_loop_over_several_prompted_lines_runs_whole(page, server):
    page.goto(server.url + "/books/tiny/basics-stop/")
    _ready(page, server)
    page.locator(".runnable [data-action=run]").nth(2).click()  # for name in web db; do … done
    wait_for_terminal(page, "No such container: db")  # the second round ran: the loop was typed whole
    page.locator(".runnable [data-action=run]").nth(3).click()  # if … fi, with > prompts
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().split('\\n').some((line) => ['running', 'none running'].includes(line.trim()))",
        timeout=30_000,
    )
    assert not any(line.strip() in (">", "> ") for line in _lines(page)[-3:])  # not left waiting at `>`


def test_a_template_is_put_at_the_prompt_without_enter(page, server, screenshots):
    page.goto(server.url + "/books/tiny/basics-stop/")
    _ready(page, server)
    page.locator(".runnable [data-action=run]").first.click()
    wait_for_terminal(page, "docker stop <CONTAINER_ID>")
    page.wait_for_timeout(1500)  # time for a wrongly sent Enter to show its error
    lines = [line for line in _lines(page) if line.strip()]
    assert lines[-1].endswith("docker stop <CONTAINER_ID>")  # still being written, at the prompt
    assert "syntax error" not in terminal_text(page)
    _screenshot(page, screenshots, "book-template.png")
    page.keyboard.press("Control+U")  # the student's to finish; clear it for the next test


def test_lines_shown_inside_a_container_are_typed_there_and_the_rest_back_outside(page, server):
    page.goto(server.url + "/books/tiny/basics-stop/")
    _ready(page, server)
    page.locator(".runnable [data-action=run]").nth(5).click()  # docker exec -it box sh, / # ls, / # exit, docker ps
    try:
        page.wait_for_function(
            f"() => ({BUFFER_TEXT})().split('\\n').some((line) => line.trim() === 'box')", timeout=120_000
        )
    except Exception:  # noqa: BLE001 - say what the terminal shows
        raise AssertionError("`box` never listed; the terminal shows:\n" + terminal_text(page)[-3000:]) from None
    text = terminal_text(page)
    assert "docker: not found" not in text and "command not found" not in text  # docker ps ran outside
    assert "bin" in text.split("docker exec -it box sh")[1], text[-3000:]  # ls ran inside
    page.locator(".terminal-host").click()
    page.keyboard.type("docker rm -f box >/dev/null")
    page.keyboard.press("Enter")


def _screenshot(page, screenshots, name):
    page.screenshot(path=str(screenshots / name), full_page=True)


def test_diagrams_are_drawn_offline_and_a_broken_one_keeps_its_source(page, server, screenshots):
    page.goto(server.url + "/books/tiny/layers-layers/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.diagram')].every((f) => f.dataset.state)", timeout=30_000
    )
    states = page.eval_on_selector_all(".diagram", "(figures) => figures.map((f) => f.dataset.state)")
    assert states == ["drawn", "source"]
    assert page.locator(".diagram svg").first.is_visible()
    assert "flowchart LR" in page.locator(".diagram pre.mermaid").nth(1).inner_text()
    page.locator(".diagram-source summary").first.click()
    assert "participant S as Student" in page.locator(".diagram-source pre").first.inner_text()
    _screenshot(page, screenshots, "book-layers-layers.png")
    assert page.context.outside_requests == []


def test_the_chapter_reads_like_the_book(page, server, screenshots):
    page.goto(server.url + "/books/tiny/layers/")
    page.wait_for_selector(".diagram[data-state=drawn] svg", timeout=30_000)
    assert page.locator("h1").all_inner_texts() == ["3. How images are made"]
    titles = page.locator(".callout-title").all_inner_texts()
    assert titles == ["Note", "Tip", "Important", "Warning", "Caution"]
    assert page.locator(".task-list-item-checkbox").evaluate_all("(boxes) => boxes.map((b) => b.disabled)") == [
        True,
        True,
    ]
    assert page.locator("img[alt='Three layers']").evaluate("(img) => img.naturalWidth") > 0
    _screenshot(page, screenshots, "book-layers.png")
    page.goto(server.url + "/books/tiny-zh/layers/")
    page.wait_for_selector(".diagram[data-state=drawn] svg", timeout=30_000)
    assert page.locator(".callout-title").all_inner_texts() == ["注意", "提示", "重要", "警告", "小心"]
    _screenshot(page, screenshots, "book-layers-zh.png")
    assert page.context.outside_requests == []


def test_the_intro_has_its_cover_and_one_title(page, server, screenshots):
    page.goto(server.url + "/books/tiny/intro/")
    assert page.locator("h1").all_inner_texts() == ["A Tiny Docker Book"]
    assert page.locator("img[alt='The cover']").evaluate("(img) => img.naturalWidth") == 120
    _screenshot(page, screenshots, "book-intro.png")


def test_the_table_of_contents_shows_parts(page, server, screenshots):
    page.goto(server.url + "/books/tiny/")
    assert page.locator(".book-part h2").all_inner_texts() == ["Part one: the basics", "Part two: going further"]
    style = page.locator(".book-pages").first.evaluate("(list) => getComputedStyle(list).listStyleType")
    assert style == "none"
    _screenshot(page, screenshots, "book-toc.png")
