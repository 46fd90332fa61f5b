"""Several app processes and restarts, as a school runs them: real Daphne
processes on PostgreSQL and Redis, a real sandbox, real websockets.

The sandbox holds the student's shell (dockyard-shell), so a terminal opened
on any process shows the same shell, and a restarted process finds it again
with its screen and whatever it was running."""

import asyncio
import re
import secrets
import subprocess

import pytest

from sandbox.tests.browser import remove_sandboxes
from sandbox.tests.docker_fixtures import require_engine_and_images
from sandbox.tests.live_server import ROOT, LiveServer
from sandbox.tests.ws_client import LiveTerminal, session_cookie
from tutorial.testing import missing

pytestmark = [pytest.mark.docker]
STUDENT_ID, TEACHER_ID = 9400, 9401
DATABASE = "dockyard_processes"


@pytest.fixture(scope="module")
def services():
    """PostgreSQL and Redis from Debian's packages (scripts/test-services.sh), a database of this module's own."""
    started = subprocess.run([ROOT / "scripts" / "test-services.sh", "start"], capture_output=True, text=True)
    if started.returncode != 0:
        missing(f"PostgreSQL and Redis are needed: {started.stderr.strip()}")
    urls = dict(re.findall(r"export (\w+)=(\S+)", started.stdout))
    import psycopg

    with psycopg.connect(urls["TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DATABASE}")
    return {
        "SECRET_KEY": secrets.token_urlsafe(40),  # one key for all processes, as a deploy has
        "DATABASE_URL": urls["TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/" + DATABASE,
        "REDIS_URL": urls["TEST_REDIS_URL"].rsplit("/", 1)[0] + "/3",
    }


@pytest.fixture(scope="module")
def processes(services, tmp_path_factory):
    """Two app processes sharing the database and the channel layer."""
    require_engine_and_images()
    first = LiveServer(tmp_path_factory.mktemp("app-1"), services).start()
    second = LiveServer(tmp_path_factory.mktemp("app-2"), services).serve()
    first.create_user("student", "pw-student-123", STUDENT_ID)
    first.create_user("teacher", "pw-teacher-123", TEACHER_ID, staff=True)
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()
        remove_sandboxes([STUDENT_ID])


async def open_ready(server, cookie, path="/ws/terminal/") -> LiveTerminal:
    terminal = await LiveTerminal.open(server.url, cookie, path)
    await terminal.status("ready", 180)
    await terminal.until(b"7771;prompt", 60)  # the shell's first prompt (or its replay)
    return terminal


async def test_a_terminal_on_each_process_and_a_watcher_share_one_shell(processes):
    first, second = processes
    student = session_cookie(first.url, "student", "pw-student-123")
    teacher = session_cookie(second.url, "teacher", "pw-teacher-123")

    on_first = await open_ready(first, student)
    await on_first.type("echo $$ > /tmp/first-shell; echo from-first-$((6*7))\r")
    await on_first.until(b"from-first-42")

    on_second = await open_ready(second, student)
    shown = await on_second.until(b"from-first-42")  # the first process's shell, its screen replayed
    assert b"from-first-$((6*7))" in shown
    await on_second.type("echo from-second-$((7*7)) $(( $$ == $(cat /tmp/first-shell) ))\r")
    await on_first.until(b"from-second-49 1")  # typed on one process, seen on the other: one shell

    watcher = await LiveTerminal.open(second.url, teacher, "/ws/terminal/student/")
    await watcher.status("ready", 60)
    await on_first.type("echo mirrored-$((2*5))\r")
    await watcher.until(b"mirrored-10")
    await watcher.type("echo watcher-typed\r")  # read-only: never reaches the shell
    await on_first.type("echo after-watcher-$((3*3))\r")
    seen = await on_second.until(b"after-watcher-9")
    assert b"watcher-typed" not in seen
    for terminal in (watcher, on_second, on_first):
        await terminal.close()


async def test_a_restart_keeps_the_shell_its_running_command_and_its_screen(processes):
    first, second = processes
    student = session_cookie(first.url, "student", "pw-student-123")
    terminal = await open_ready(first, student)
    await terminal.type(
        "clear; echo $$ > /tmp/restart-shell; echo before-restart-$((6*7)); sleep 6; echo finished-$((3*4))\r"
    )
    await terminal.until(b"before-restart-42")

    first.restart()  # while `sleep 6` runs: the websocket drops, the page would reconnect
    with pytest.raises(Exception):  # noqa: B017 (any end of the connection will do)
        async with asyncio.timeout(30):
            while True:
                await terminal._receive()
    again = await open_ready(first, student)
    screen = await again.until(b"finished-12", 60)  # the command went on while no process showed it
    assert b"before-restart-42" in screen  # the screen as it was
    await again.type("echo same-shell-$(( $$ == $(cat /tmp/restart-shell) ))\r")
    await again.until(b"same-shell-1")

    # A crash (SIGKILL) as well, with the other process showing the same shell meanwhile.
    on_second = await open_ready(second, student)
    await again.type("sleep 4; echo after-crash-$((5*5))\r")
    await on_second.until(b"after-crash-$((5*5))")  # the shell has the command
    first.restart(crash=True)
    await on_second.until(b"after-crash-25")
    back = await open_ready(first, student)
    await back.until(b"after-crash-25")
    await back.type("echo still-$(( $$ == $(cat /tmp/restart-shell) ))\r")
    await on_second.until(b"still-1")
    for t in (back, on_second):
        await t.close()
