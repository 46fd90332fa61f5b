"""Checks after each command: the terminal consumer sees the prompt marker and
sends `check` messages on the same websocket (fake backend)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from lessons import checks
from lessons.checks import CHECK_TIMEOUT, CUT_OFF_RETRIES
from lessons.models import StepProgress
from lessons.services import sync_lessons
from lessons.tests.step_helpers import HELLO_STEPS, translated, write_step_lesson
from sandbox.prompt_marker import PROMPT_MARKER
from tutorial.testing import HOST, ORIGIN, asgi_application, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
CHECK = HELLO_STEPS[0]["check"]["run"]
TWO_CHECKS = HELLO_STEPS[:1] + [
    {
        "id": "look",
        "title": "Look",
        "check": {"run": "test -f ~/seen", "fail": "Not yet.", "solution": "touch ~/seen"},
    }
]


@pytest.fixture
def course(tmp_path):
    write_step_lesson(tmp_path, steps=TWO_CHECKS)
    write_step_lesson(tmp_path, "zh-hans", steps=translated(TWO_CHECKS))
    sync_lessons(tmp_path)


async def _open(user, path="/ws/terminal/?lesson=steps&lang=en"):
    cookie = await database_sync_to_async(session_cookie)(user)
    communicator = WebsocketCommunicator(asgi_application(), path, headers=[HOST, ORIGIN, cookie])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    while True:  # up to "ready"
        message = await communicator.receive_from(5)
        if isinstance(message, str) and json.loads(message).get("state") == "ready":
            return communicator


async def _checks(communicator, count, timeout=2):
    """The next `count` check messages, skipping terminal bytes and status."""
    found = []
    while len(found) < count:
        output = await communicator.receive_output(timeout)
        if output.get("text"):
            message = json.loads(output["text"])
            if message["type"] == "check":
                found.append(message)
    return found


async def _no_more_checks(communicator):
    """Nothing but terminal bytes and status for a while (a timeout would end the app)."""
    while not await communicator.receive_nothing(0.3):
        output = await communicator.receive_output(1)
        assert not (output.get("text") and json.loads(output["text"])["type"] == "check"), output


async def test_a_prompt_runs_the_checks_and_reports_them(course, scripted_backend, alice):
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 0
    terminal = scripted_backend.terminals[-1]
    await terminal.output.put(b"hello\r\n" + PROMPT_MARKER[:5])
    await terminal.output.put(PROMPT_MARKER[5:] + b"$ ")
    hello, look = await _checks(communicator, 2)
    assert hello == {"type": "check", "lesson": "steps", "step": "hello", "passed": True, "message": "Passed."}
    assert look == {"type": "check", "lesson": "steps", "step": "look", "passed": False, "message": "Not yet."}
    progress = await database_sync_to_async(
        lambda: list(StepProgress.objects.values_list("step_id", "passed", "attempts"))
    )()
    # The pass is recorded; an automatic failure is not an attempt.
    assert progress == [("hello", True, 0)]

    # The next prompt checks only what has not passed yet.
    scripted_backend.execs.clear()
    await terminal.output.put(PROMPT_MARKER)
    (look,) = await _checks(communicator, 1)
    assert look["step"] == "look"
    assert scripted_backend.execs == [["bash", "-c", "test -f ~/seen"]]
    await communicator.disconnect()


async def test_the_first_step_not_passed_yet_is_reported_before_the_others_are_checked(course, scripted_backend, alice):
    """The student is most likely on it: its result waits for no other step's check."""
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 0
    others_may_finish = asyncio.Event()
    original = scripted_backend.exec

    async def slow_other_checks(key, command, timeout=60):
        if command[-1] != CHECK:
            await others_may_finish.wait()
        return await original(key, command, timeout)

    scripted_backend.exec = slow_other_checks
    await scripted_backend.terminals[-1].output.put(b"$ " + PROMPT_MARKER)
    (hello,) = await _checks(communicator, 1)
    assert (hello["step"], hello["passed"]) == ("hello", True)
    others_may_finish.set()
    (look,) = await _checks(communicator, 1)
    assert (look["step"], look["passed"]) == ("look", False)
    await _no_more_checks(communicator)
    await communicator.disconnect()


async def test_a_round_reads_the_lesson_and_what_passed_once(course, scripted_backend, alice, monkeypatch):
    """The first step's check and the others' are one round: one read of the database."""
    reads = []
    read = checks._lesson_and_pending

    async def counted(*args):
        reads.append(args[1])
        return await read(*args)

    monkeypatch.setattr(checks, "_lesson_and_pending", counted)
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 0
    await scripted_backend.terminals[-1].output.put(b"$ " + PROMPT_MARKER)
    hello, look = await _checks(communicator, 2)
    assert [(hello["step"], hello["passed"]), (look["step"], look["passed"])] == [("hello", True), ("look", False)]
    await _no_more_checks(communicator)
    assert reads == ["steps"]
    await communicator.disconnect()


async def test_messages_follow_the_lesson_language(course, scripted_backend, alice):
    communicator = await _open(alice, "/ws/terminal/?lesson=steps&lang=zh-hans")
    await scripted_backend.terminals[-1].output.put(PROMPT_MARKER)
    hello, _look = await _checks(communicator, 2)
    assert hello["message"] == "还没有从 busybox 创建容器。"
    await communicator.disconnect()


async def test_prompts_during_a_check_coalesce_into_one_more_round(course, scripted_backend, alice):
    communicator = await _open(alice)
    entered, release = asyncio.Event(), asyncio.Event()
    original = scripted_backend.exec

    async def slow_exec(key, command, timeout=60):
        entered.set()
        await release.wait()
        return await original(key, command, timeout)

    scripted_backend.exec = slow_exec
    terminal = scripted_backend.terminals[-1]
    await terminal.output.put(b"$ " + PROMPT_MARKER)
    await asyncio.wait_for(entered.wait(), 2)  # the first round is running
    for _ in range(4):
        await terminal.output.put(b"$ " + PROMPT_MARKER)
    await asyncio.sleep(0.2)
    release.set()
    await _checks(communicator, 4)  # this round and one more, two steps each
    await _no_more_checks(communicator)
    assert len(scripted_backend.execs) == 4
    await communicator.disconnect()


async def test_a_check_cut_off_at_its_deadline_runs_again_by_itself(course, scripted_backend, alice, monkeypatch):
    """A saturated host cut the check off: it says nothing of the student's work,
    so it runs again (alone) and the step passes without another command."""
    monkeypatch.setattr("lessons.checks.CUT_OFF_PAUSE", 0.05)
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 137  # what `timeout -s KILL` leaves
    original = scripted_backend.exec

    async def recovering_exec(key, command, timeout=60):
        result = await original(key, command, timeout)
        scripted_backend.exit_codes[CHECK] = 0  # the host is less busy now
        return result

    scripted_backend.exec = recovering_exec
    await scripted_backend.terminals[-1].output.put(b"$ " + PROMPT_MARKER)
    hello, look = await _checks(communicator, 2)
    assert (hello["step"], hello["passed"], look["passed"]) == ("hello", False, False)
    (again,) = await _checks(communicator, 1)
    assert again == {"type": "check", "lesson": "steps", "step": "hello", "passed": True, "message": "Passed."}
    await _no_more_checks(communicator)
    # The retry ran the cut-off check only; a plain failure waits for the next command.
    assert scripted_backend.execs[2:] == [["bash", "-c", CHECK]]
    await communicator.disconnect()


async def test_a_check_that_keeps_running_out_of_time_is_retried_a_bounded_number_of_times(
    course, scripted_backend, alice, monkeypatch
):
    monkeypatch.setattr("lessons.checks.CUT_OFF_PAUSE", 0.05)
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 137
    await scripted_backend.terminals[-1].output.put(b"$ " + PROMPT_MARKER)
    await _checks(communicator, 2 + CUT_OFF_RETRIES)
    await _no_more_checks(communicator)
    assert scripted_backend.execs.count(["bash", "-c", CHECK]) == 1 + CUT_OFF_RETRIES
    await communicator.disconnect()


async def test_each_retry_of_a_cut_off_check_has_twice_the_time_and_one_that_hangs_starts_over(
    course, scripted_backend, alice, monkeypatch
):
    """On a host so busy that the check needs 20 s, a retry with the same 15 s
    could never pass (and each one added to the load): the retries get 30 s
    and 60 s. A check cut off even at 60 s hangs (an image that never exits);
    the next command's round gives it the usual deadline again."""
    monkeypatch.setattr("lessons.checks.CUT_OFF_PAUSE", 0.05)
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 137
    terminal = scripted_backend.terminals[-1]
    await terminal.output.put(b"$ " + PROMPT_MARKER)
    await _checks(communicator, 2 + CUT_OFF_RETRIES)
    await _no_more_checks(communicator)
    hello_deadlines = [
        timeout
        for command, timeout in zip(scripted_backend.execs, scripted_backend.timeouts, strict=True)
        if command[-1] == CHECK
    ]
    assert hello_deadlines == [CHECK_TIMEOUT, 2 * CHECK_TIMEOUT, 4 * CHECK_TIMEOUT]

    scripted_backend.execs.clear(), scripted_backend.timeouts.clear()
    await terminal.output.put(b"$ " + PROMPT_MARKER)
    await _checks(communicator, 2 + CUT_OFF_RETRIES)
    assert scripted_backend.timeouts[:2] == [CHECK_TIMEOUT, CHECK_TIMEOUT]
    await communicator.disconnect()


async def test_a_check_cut_off_before_runs_after_the_others_with_its_longer_deadline(
    course, scripted_backend, alice, monkeypatch
):
    """A command comes before the retry: the next round reports the other steps
    first, then runs the cut-off check alone with twice the time."""
    monkeypatch.setattr("lessons.checks.CUT_OFF_PAUSE", 5)  # the next command comes first
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 137
    terminal = scripted_backend.terminals[-1]
    await terminal.output.put(b"$ " + PROMPT_MARKER)
    await _checks(communicator, 2)
    scripted_backend.exit_codes[CHECK] = 0
    scripted_backend.execs.clear(), scripted_backend.timeouts.clear()
    await terminal.output.put(b"$ " + PROMPT_MARKER)
    look, hello = await _checks(communicator, 2, timeout=8)
    assert (look["step"], look["passed"]) == ("look", False)
    assert (hello["step"], hello["passed"]) == ("hello", True)
    assert [command[-1] for command in scripted_backend.execs] == ["test -f ~/seen", CHECK]
    assert scripted_backend.timeouts == [CHECK_TIMEOUT, 2 * CHECK_TIMEOUT]
    await communicator.disconnect()


async def test_no_checks_without_a_lesson(course, scripted_backend, alice):
    communicator = await _open(alice, "/ws/terminal/")
    await scripted_backend.terminals[-1].output.put(PROMPT_MARKER)
    await _no_more_checks(communicator)
    assert scripted_backend.execs == []
    await communicator.disconnect()


@pytest.mark.parametrize("query", ["?lesson=../etc&lang=en", "?lesson=nope&lang=en"])
async def test_a_bad_or_unknown_lesson_runs_nothing(course, scripted_backend, alice, query):
    communicator = await _open(alice, "/ws/terminal/" + query)
    await scripted_backend.terminals[-1].output.put(PROMPT_MARKER)
    await _no_more_checks(communicator)
    assert scripted_backend.execs == []
    await communicator.disconnect()


async def test_a_watching_instructor_runs_no_checks(course, scripted_backend, alice, teacher):
    student = await _open(alice)
    watcher = await _open(teacher, "/ws/terminal/alice/?lesson=steps&lang=en")
    assert len(scripted_backend.terminals) == 1  # both watch the one shell
    await scripted_backend.terminals[-1].output.put(PROMPT_MARKER)
    checked = await _checks(student, 2)
    assert [c["step"] for c in checked] == ["hello", "look"]
    await _no_more_checks(watcher)
    assert len(scripted_backend.execs) == 2  # one round, the student's
    await watcher.disconnect()
    await student.disconnect()


async def test_a_command_that_ends_after_the_page_closed_is_still_checked(course, scripted_backend, alice):
    communicator = await _open(alice)
    scripted_backend.exit_codes[CHECK] = 0
    await communicator.disconnect()
    # The build the student started finishes with nobody watching.
    await scripted_backend.terminals[-1].output.put(b"Successfully built\r\n" + PROMPT_MARKER)

    async def passed():
        return await database_sync_to_async(
            lambda: list(StepProgress.objects.filter(passed=True).values_list("step_id", flat=True))
        )()

    for _ in range(100):
        if await passed():
            break
        await asyncio.sleep(0.02)
    assert await passed() == ["hello"]
    assert scripted_backend.execs == [["bash", "-c", CHECK], ["bash", "-c", "test -f ~/seen"]]
