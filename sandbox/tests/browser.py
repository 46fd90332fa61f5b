"""Shared parts of the browser tests: a live server with users, logging in,
and reading what the xterm.js terminal shows."""

import asyncio
import concurrent.futures
import contextlib
from pathlib import Path

from django.test import override_settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from sandbox.backends.docker import DockerBackend
from sandbox.tests.docker_fixtures import TEST_PREFIX, require_engine_and_images
from sandbox.tests.live_server import LiveServer
from tutorial.testing import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

BUFFER_TEXT = """() => {
  const buffer = window.dockyardTerminal.term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


def require_chromium():
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed")


@contextlib.contextmanager
def running_server(tmp_path_factory, users: dict[str, tuple[str, int]], env=None, prepare=()):
    """Daphne serving the app, with `users` ({name: (password, id[, staff])}) created and
    each `prepare` entry run as a management command; their sandboxes removed after."""
    require_engine_and_images()
    require_chromium()
    live = LiveServer(tmp_path_factory.mktemp("live"))
    live.env.update(env or {})
    live.start()
    for command in prepare:
        live.manage(*command)
    for username, (password, user_id, *staff) in users.items():
        live.create_user(username, password, user_id, staff=bool(staff and staff[0]))
    user_ids = [user_id for _, user_id, *_ in users.values()]
    remove_sandboxes(user_ids)  # left by an interrupted run, they would make these students online
    try:
        yield live
    finally:
        try:
            live.stop()
        finally:
            remove_sandboxes(user_ids)


def remove_sandboxes(user_ids):
    """In a thread of its own: Playwright's sync API may hold this thread's event loop."""

    async def remove_all():
        backend = DockerBackend()
        for user_id in user_ids:
            await backend.remove(f"u{user_id}")

    with override_settings(SANDBOX_NAME_PREFIX=TEST_PREFIX), concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, remove_all()).result()


def login(browser, server, username, password, next_url, viewport=(1400, 900), locale="en-US", permissions=()):
    """A fresh browser context logged in as `username`, on `next_url`."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
    if permissions:
        context.grant_permissions(list(permissions), origin=server.url)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url("**" + next_url.split("?")[0])
    return context, page


def wait_until_ready(page, timeout_ms=90_000, server=None, states=("engine-ready",)):
    """Until the page's terminal is in one of `states` (by default: the student's
    engine answers); if it never is, fail with what the page showed instead (and
    the end of the server's log, when given)."""
    selector = ", ".join(f"#terminal-pane[data-state={state}]" for state in states)
    try:
        page.wait_for_selector(selector, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        shown = page.evaluate(
            """() => { const pane = document.getElementById('terminal-pane');
              return pane ? [pane.dataset.state, pane.querySelector('.terminal-status')?.textContent] : null; }"""
        )
        lines = terminal_text(page).rstrip().splitlines()[-8:] if shown else []
        log = server.output()[-3000:] if server is not None else ""
        raise AssertionError(
            f"no {' or '.join(states)}; the pane showed {shown}; terminal: {lines}\nserver log:\n{log}"
        ) from None


def terminal_text(page) -> str:
    """What the terminal shows, scrollback included, one string per line."""
    return page.evaluate(BUFFER_TEXT)


def wait_for_terminal(page, text: str, timeout_ms: int = 60_000):
    page.wait_for_function(f"() => ({BUFFER_TEXT})().includes({text!r})", timeout=timeout_ms)


def type_command(page, command: str):
    page.locator(".terminal-host").click()
    page.keyboard.type(command)
    page.keyboard.press("Enter")
