"""The terminal as students and instructors use it, in real Chromium, for each
defect a class hit within minutes (issue 10): stray input on reload, invisible
underscores, a scrambled watch view, stale full-screen frames, paste and copy,
Run typing every line at once, logout, watching an offline student, and the
error pages. Screenshots go to DOCKYARD_SCREENSHOTS when it is set."""

import os
import re
from pathlib import Path

import pytest

from sandbox.tests.browser import (
    BUFFER_TEXT,
    login,
    running_server,
    terminal_text,
    type_command,
    wait_for_terminal,
    wait_until_ready,
)

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT, OTHER, TEACHER, LATECOMER = "ivy", "jon", "teach", "late"
IDS = {STUDENT: 9401, OTHER: 9402, TEACHER: 9403, LATECOMER: 9404}
LESSONS = Path(__file__).parent / "fixtures" / "terminal-lessons"
LESSON_URL = "/lessons/run-lines/"
SHOTS = os.environ.get("DOCKYARD_SCREENSHOTS", "")
ERRORS = ("command not found", "syntax error", "No such file")
VISIBLE_TEXT = """() => {
  const buffer = window.dockyardTerminal.term.buffer.active, rows = window.dockyardTerminal.term.rows;
  const lines = [];
  for (let i = buffer.viewportY; i < buffer.viewportY + rows; i++) {
    const line = buffer.getLine(i); lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def password(name):
    return f"pw-{name}-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    users = {name: (password(name), IDS[name], name == TEACHER) for name in IDS}
    with running_server(tmp_path_factory, users, env={"LESSONS_DIR": str(LESSONS)}) as live:
        yield live


def open_page(browser, server, name, url=LESSON_URL, **options):
    return login(browser, server, name, password(name), url, **options)


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def assert_clean_shell(page, marker):
    """The shell takes a command as typed: nothing was typed into it behind our back."""
    type_command(page, f"echo {marker}-$((6*7))")
    wait_for_terminal(page, f"{marker}-42")
    text = terminal_text(page)
    tail = text[text.rfind(f"echo {marker}") - 200 :]
    assert not any(error in tail for error in ERRORS), tail
    assert not re.search(r"\d+;\d+R", tail), tail


# --- 1. stray input: replays never type; a live query is answered once -----------------------


def test_reloads_tabs_and_a_watcher_never_type_into_the_shell(browser, server):
    context, page = open_page(browser, server, STUDENT)
    wait_until_ready(page)
    # busybox sh asks the terminal for the cursor position at each prompt.
    type_command(page, "docker run -it --rm busybox sh")
    wait_for_terminal(page, "/ #")
    type_command(page, "echo in-busybox-$((2*5))")
    wait_for_terminal(page, "in-busybox-10")
    type_command(page, "exit")
    for _ in range(3):
        page.reload()
        wait_until_ready(page)
    second = context.new_page()
    second.goto(server.url + LESSON_URL)
    wait_until_ready(second)
    teacher_context, watcher = open_page(browser, server, TEACHER, f"/sandbox/watch/{STUDENT}/")
    watcher.wait_for_selector("#terminal-pane[data-state=watching]")
    page.bring_to_front()
    assert_clean_shell(page, "clean")
    # A program asking now gets exactly one answer, though three terminals draw its output.
    type_command(page, "printf '\\033[6n'; IFS='[;' read -rs -d R -t 5 _ row col; echo \"row=$row col=$col\"")
    page.wait_for_function(f"() => /row=\\d+ col=\\d+/.test(({BUFFER_TEXT})())", timeout=20_000)
    assert_clean_shell(page, "after-query")
    teacher_context.close()
    context.close()


# --- 2. every printable character is visible, in the project's own font -----------------------


def cell_clip(page, row_text, column):
    """The screenshot clip of one cell: the row showing `row_text`, at `column`."""
    box = page.evaluate(
        """(needle) => {
      const t = window.dockyardTerminal.term, b = t.buffer.active;
      const screen = t.element.querySelector('.xterm-screen').getBoundingClientRect();
      let row = -1;
      for (let i = 0; i < t.rows; i++) {
        const line = b.getLine(b.viewportY + i);
        if (line && line.translateToString(true) === needle) row = i;
      }
      return {x: screen.left, y: screen.top, w: screen.width / t.cols, h: screen.height / t.rows, row: row};
    }""",
        row_text,
    )
    assert box["row"] >= 0, f"{row_text!r} is not on screen: " + page.evaluate(VISIBLE_TEXT)
    return {
        "x": box["x"] + column * box["w"],
        "y": box["y"] + box["row"] * box["h"],
        "width": box["w"],
        "height": box["h"],
    }


def test_underscores_and_every_printable_character_are_visible(browser, server):
    context, page = open_page(browser, server, STUDENT, viewport=(1280, 720))
    wait_until_ready(page)
    assert page.evaluate("() => document.fonts.check('14px \"Dockyard Mono\"')")
    halves = [range(33, 80), range(80, 127)]  # every printable ASCII character, in lines that fit
    octal = "\\n".join("".join(f"\\{c:03o}" for c in half) for half in halves)  # typed safely
    type_command(page, f"clear; printf '%s\\n' '_ x' '__init__ snake_case'; printf '{octal}\\n'; echo drawn-$((1+1))")
    wait_for_terminal(page, "drawn-2")  # the output, not the typed command that holds the same words
    page.wait_for_timeout(300)
    underscore = page.screenshot(clip=cell_clip(page, "_ x", 0))
    space = page.screenshot(clip=cell_clip(page, "_ x", 1))
    assert underscore != space, "the underscore draws nothing"
    for half in halves:
        printable = "".join(chr(c) for c in half)
        blank = page.screenshot(clip=cell_clip(page, printable, len(printable) + 2))
        for column, char in enumerate(printable):
            assert page.screenshot(clip=cell_clip(page, printable, column)) != blank, f"{char!r} draws nothing"
    shot(page, "underscores")
    context.close()


# --- 3. the watcher shows the student's screen at the student's size ---------------------------


# The watcher's scaled screen, all of it, inside its box and the window (nothing clipped).
WHOLE_SCREEN_IN_VIEW = """() => {
  const screen = document.querySelector('#terminal-pane .xterm-screen').getBoundingClientRect();
  const host = document.querySelector('#terminal-pane .terminal-host').getBoundingClientRect();
  return screen.height > 0 && screen.bottom <= host.bottom + 1 && screen.right <= host.right + 1
    && host.bottom <= window.innerHeight + 1;
}"""


def test_the_watcher_draws_the_students_screen_cell_for_cell(browser, server):
    context, page = open_page(browser, server, STUDENT, viewport=(1280, 720))
    wait_until_ready(page)
    teacher_context, watcher = open_page(browser, server, TEACHER, f"/sandbox/watch/{STUDENT}/", viewport=(1440, 900))
    watcher.wait_for_selector("#terminal-pane[data-state=watching]")
    type_command(page, "clear; vi ~/watched.txt")
    page.wait_for_timeout(800)
    page.keyboard.type("ipasted text that must not look overwritten")
    page.keyboard.press("Escape")
    page.wait_for_timeout(800)

    def size(p):
        return p.evaluate("() => [window.dockyardTerminal.term.cols, window.dockyardTerminal.term.rows]")

    assert size(watcher) == size(page)
    watcher.wait_for_function(
        "(expected) => (" + VISIBLE_TEXT + ")() === expected",
        arg=page.evaluate(VISIBLE_TEXT),
        timeout=10_000,
    )
    scale = float(watcher.locator("#terminal-pane").get_attribute("data-scale"))
    assert 0 < scale <= 1.75
    watcher.wait_for_function(WHOLE_SCREEN_IN_VIEW, timeout=5_000)  # vi's status line too
    shot(page, "watch-student-side")
    shot(watcher, "watch-instructor-side")
    # The student resizes the window: the watcher follows.
    page.set_viewport_size({"width": 1000, "height": 650})
    page.wait_for_timeout(800)
    watcher.wait_for_function(
        "(s) => window.dockyardTerminal.term.cols === s[0] && window.dockyardTerminal.term.rows === s[1]",
        arg=size(page),
        timeout=10_000,
    )
    watcher.wait_for_function(WHOLE_SCREEN_IN_VIEW, timeout=5_000)
    page.keyboard.type(":q!\n")
    teacher_context.close()
    context.close()


# --- 4. a reconnect shows the screen as it is now, not frames of a program that exited -----------


def visible_lines(page):
    return [line.rstrip() for line in page.evaluate(VISIBLE_TEXT).split("\n")]


def test_a_reload_at_another_size_shows_the_screen_as_it_was(browser, server):
    """`top` at 1280x720, quit, then a reload at 1440x900 in the other language: the
    screen comes back as it was (top's last frame scrolled above the prompt, as a
    terminal shows it), not an old frame drawn over the newer lines."""
    context, page = open_page(browser, server, STUDENT, viewport=(1280, 720))
    wait_until_ready(page)
    type_command(page, "clear; top -d 0.5")
    wait_for_terminal(page, "load average")
    page.wait_for_timeout(1500)
    page.keyboard.press("q")
    type_command(page, "echo top-$((2*3))-is-over")
    wait_for_terminal(page, "top-6-is-over")
    page.wait_for_timeout(300)
    before = [line for line in visible_lines(page) if line]
    page.set_viewport_size({"width": 1440, "height": 900})
    page.select_option(".lang-switch select", "zh-hans")  # a reload, in the other language
    wait_until_ready(page)
    wait_for_terminal(page, "top-6-is-over")
    page.wait_for_timeout(500)
    after = [line for line in visible_lines(page) if line]
    # The lines that were on screen are there again, in order and contiguous, ending the screen.
    tail = after[-len(before) :]
    assert [line[:60] for line in tail] == [line[:60] for line in before], (before, after)
    assert sum("load average" in line for line in after) == 1
    # A full-screen program on the alternate screen (less) is not drawn again once it has exited.
    type_command(page, "printf 'paged-%s\\n' $(seq 1 5) | less")
    wait_for_terminal(page, "paged-5")
    page.keyboard.press("q")
    type_command(page, "echo less-$((2*4))-is-over")
    wait_for_terminal(page, "less-8-is-over")
    page.reload()
    wait_until_ready(page)
    wait_for_terminal(page, "less-8-is-over")
    assert not any(line.startswith("paged-") for line in visible_lines(page)), visible_lines(page)
    page.select_option(".lang-switch select", "en")
    context.close()


# --- 5. paste and copy as in VS Code ---------------------------------------------------------------


def test_ctrl_v_pastes_and_ctrl_c_copies_a_selection_or_interrupts(browser, server):
    context, page = open_page(browser, server, STUDENT, permissions=("clipboard-read", "clipboard-write"))
    wait_until_ready(page)
    page.evaluate("() => navigator.clipboard.writeText('echo pasted-$((3*3))')")
    page.locator(".terminal-host").click()
    page.keyboard.press("Control+V")
    page.keyboard.press("Enter")
    wait_for_terminal(page, "pasted-9")
    assert "$'\\026" not in terminal_text(page) and "\\026echo" not in terminal_text(page)
    type_command(page, "clear; echo copy-me-please")
    # Select the output line, not the typed command that contains the same words: wait until the
    # echo's own line is on screen (the command's echo arrives first), then select it.
    page.wait_for_function(
        """() => { const t = window.dockyardTerminal.term, b = t.buffer.active;
      for (let i = 0; i < t.rows; i++) { const l = b.getLine(b.viewportY + i)?.translateToString(true);
        if (l === 'copy-me-please') { t.select(0, b.viewportY + i, 14); return t.getSelection() === l; } }
      return false; }""",
        timeout=60_000,
    )
    page.keyboard.press("Control+C")
    assert page.evaluate("() => navigator.clipboard.readText()") == "copy-me-please"
    type_command(page, "sleep 30; echo slept-through")
    page.wait_for_timeout(500)
    page.keyboard.press("Control+C")  # nothing selected: an interrupt
    type_command(page, "echo interrupted-$((2*2))")
    wait_for_terminal(page, "interrupted-4")
    assert "slept-through" not in [line.strip() for line in terminal_text(page).split("\n")]
    context.close()


# --- 6. Run types each line after the previous command's prompt ------------------------------------


def test_run_types_line_after_line_into_the_right_shell(browser, server):
    context, page = open_page(browser, server, STUDENT)
    wait_until_ready(page)
    blocks = page.locator(".runnable [data-action=run]")
    blocks.nth(0).click()
    page.wait_for_function("() => document.getElementById('terminal-pane').dataset.running === 'false'", timeout=60_000)
    blocks.nth(1).click()
    wait_for_terminal(page, "outside-sandbox-12")
    text = terminal_text(page)
    inside = re.search(r"^inside-([0-9a-f]{12})$", text, re.M)
    assert inside, text  # ran in the container: its hostname is the container's id
    assert text.count("echo outside-$(hostname)-$((3*4))") == 1, text  # typed once, not echoed twice
    page.wait_for_function("() => document.getElementById('terminal-pane').dataset.running === 'false'", timeout=10_000)
    blocks.nth(2).click()
    wait_for_terminal(page, "first line of the heredoc")
    page.wait_for_function(
        f"() => ({BUFFER_TEXT})().split('\\n').filter((l) => l === 'first line of the heredoc').length === 1",
        timeout=20_000,
    )
    type_command(page, "cat ~/heredoc.txt | wc -l")
    page.wait_for_function(f"() => ({BUFFER_TEXT})().split('\\n').some((l) => l.trim() === '1')", timeout=10_000)
    assert not any(error in terminal_text(page) for error in ERRORS)
    context.close()


# --- 7. logging out in one tab closes the terminal in every tab -------------------------------------


def test_logging_out_closes_the_terminal_in_the_other_tab(browser, server):
    context, page = open_page(browser, server, OTHER)
    wait_until_ready(page)
    other_tab = context.new_page()
    other_tab.goto(server.url + LESSON_URL)
    wait_until_ready(other_tab)
    page.locator("form[action$='/accounts/logout/'] button").click()
    other_tab.wait_for_selector("#terminal-pane[data-state=logged-out]", timeout=10_000)
    other_tab.locator(".terminal-host").click()
    other_tab.keyboard.type("echo STILL-HERE\n")
    other_tab.wait_for_timeout(1500)
    assert "STILL-HERE" not in terminal_text(other_tab).replace("echo STILL-HERE", "")
    context.close()


# --- 8. watching a student who has no sandbox yet ----------------------------------------------------


def test_watching_an_offline_student_waits_for_them(browser, server):
    teacher_context, watcher = open_page(browser, server, TEACHER, f"/sandbox/watch/{LATECOMER}/")
    watcher.wait_for_selector("#terminal-pane[data-state=student-offline]", timeout=15_000)
    assert "offline" in watcher.locator(".terminal-status").inner_text()
    watcher.wait_for_timeout(2000)
    assert watcher.locator("#terminal-pane").get_attribute("data-state") == "student-offline"  # no reconnect loop
    context, page = open_page(browser, server, LATECOMER)
    wait_until_ready(page)
    watcher.wait_for_selector("#terminal-pane[data-state=watching]", timeout=30_000)
    type_command(page, "echo here-at-last")
    wait_for_terminal(watcher, "here-at-last")
    context.close()
    teacher_context.close()


# --- 10. error and refusal pages, in the student's language ------------------------------------------


@pytest.mark.parametrize("locale,title", [("en-US", "There is no page here"), ("zh-CN", "这里没有页面")])
def test_a_missing_page_is_the_sites_own_page_in_the_students_language(browser, server, locale, title):
    context, page = open_page(browser, server, STUDENT, url="/lessons/", locale=locale)
    if locale == "zh-CN":
        with page.expect_navigation():  # the switch posts and reloads; a goto meanwhile is aborted
            page.select_option(".lang-switch select", "zh-hans")
    response = page.goto(server.url + "/lessons/no-such-lesson/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == title
    assert page.locator(".site-header").count() == 1
    shot(page, f"404-{locale}")
    context.close()


def test_a_student_opening_an_instructor_page_gets_a_refusal_page(browser, server):
    context, page = open_page(browser, server, STUDENT, url="/lessons/")
    for url in (f"/sandbox/watch/{OTHER}/", "/sandbox/images/", "/sandbox/sandboxes/"):
        response = page.goto(server.url + url)
        assert response.status == 403, url
        assert page.locator("h1").inner_text() == "This page is not for you"
        assert "/admin/" not in page.url
    context.close()


def test_the_chinese_page_gets_chinese_refusals_from_the_preview_and_the_engine(browser, server):
    context, page = open_page(browser, server, STUDENT, url=LESSON_URL)
    page.select_option(".lang-switch select", "zh-hans")
    wait_until_ready(page)
    type_command(page, "docker run --rm --privileged busybox true")
    wait_for_terminal(page, "教室沙箱不允许 --privileged")
    response = page.goto(server.url + "/sandbox/preview/9999/")
    assert response.status == 404 and "没有发布 9999 端口" in page.content()
    page.goto(server.url + LESSON_URL)
    page.select_option(".lang-switch select", "en")
    context.close()
