"""The Files tab in real Chromium: make a Dockerfile, type, save, see it in the terminal."""

import os

import pytest

from sandbox.tests.browser import BUFFER_TEXT, login, running_server, wait_for_terminal, wait_until_ready
from sandbox.tests.live_server import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT_ID = 9702
SCREENSHOT = os.environ.get("DOCKYARD_EDITOR_SCREENSHOT", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {"h7-editor": ("pw-editor-123", STUDENT_ID)}) as live:
        yield live


@pytest.fixture
def page(server, browser):
    context, page = login(browser, server, "h7-editor", "pw-editor-123", "/lessons/first-containers/")
    wait_until_ready(page)
    yield page
    context.close()


def type_in_terminal(page, command: str):
    page.locator("#pane-tab-terminal").click()
    page.locator(".terminal-host").click()
    page.keyboard.type(command)
    page.keyboard.press("Enter")


def test_a_dockerfile_made_in_the_files_tab_is_there_in_the_terminal(page):
    columns = page.evaluate("() => dockyardTerminal.term.cols")
    page.locator("#pane-tab-files").click()
    assert page.locator("#editor-pane").is_visible()
    assert not page.locator(".terminal-host").is_visible()
    page.wait_for_selector(".editor-folder:text-is('~')")

    page.fill(".editor-new input", "hello/Dockerfile")
    page.click(".editor-new button")
    page.wait_for_selector(".editor-filename:text-is('~/hello/Dockerfile')")
    assert page.locator(".editor-folder").inner_text() == "~/hello"
    assert page.locator(".editor-entry[aria-current=true]").inner_text().strip().endswith("Dockerfile")
    assert page.evaluate("() => dockyardEditor.editor.session.getMode().$id") == "ace/mode/dockerfile"

    page.locator(".editor-ace").click()
    page.keyboard.type("FROM busybox\n")
    page.keyboard.insert_text('CMD ["echo", "你好 from the editor"]')
    assert page.locator(".editor-modified").is_visible()
    assert page.locator("#pane-tab-files .editor-dirty-dot").is_visible()
    page.locator(".editor-save").click()
    page.wait_for_selector(".editor-state:text-is('Saved')")
    assert not page.locator(".editor-modified").is_visible()
    if SCREENSHOT:
        page.screenshot(path=str(ROOT / SCREENSHOT))

    # The editor lies over the terminal, which keeps its size.
    assert page.evaluate("() => dockyardTerminal.term.cols") == columns

    type_in_terminal(page, "cat ~/hello/Dockerfile; echo; echo END-$((6*7))")
    wait_for_terminal(page, "END-42")
    shown = page.evaluate(BUFFER_TEXT)
    assert 'FROM busybox\nCMD ["echo", "你好 from the editor"]\nEND-42' in shown


def test_ctrl_s_saves_and_a_binary_file_shows_an_inline_error(page):
    type_in_terminal(
        page, "mkdir -p ~/h7 && echo one > ~/h7/notes.txt && head -c 64 /bin/ls > ~/h7/ls.bin; echo MADE-$((2+3))"
    )
    wait_for_terminal(page, "MADE-5")
    page.locator("#pane-tab-files").click()
    # As a student would: open the folder from the home listing, then the file.
    page.locator(".editor-entry[data-path='~/h7']").click()
    page.locator(".editor-entry[data-path='~/h7/ls.bin']").click()
    message = page.locator(".editor-message")
    message.wait_for(state="visible")
    assert message.inner_text() == "This is not a UTF-8 text file (it looks binary), so the editor does not open it."

    page.locator(".editor-entry[data-path='~/h7/notes.txt']").click()
    page.wait_for_selector(".editor-filename:text-is('~/h7/notes.txt')")
    assert not message.is_visible()
    page.keyboard.press("Control+End")
    page.keyboard.type("two")
    page.keyboard.press("Control+s")
    page.wait_for_selector(".editor-state:text-is('Saved')")
    type_in_terminal(page, "cat ~/h7/notes.txt; echo; echo DONE-$((3*3))")
    wait_for_terminal(page, "DONE-9")
    assert "one\ntwo\nDONE-9" in page.evaluate(BUFFER_TEXT)
