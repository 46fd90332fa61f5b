"""The dashboard's websocket against the fake backend: a snapshot first, then one
message per change, within the same event loop turn or so: a page attaching, a
command finishing (with its status), a step passed, a student coming online, help
requests, broadcasts, sandbox controls, screens."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient

from classroom.live import WRITE_EVERY
from classroom.models import HelpRequest, Membership
from classroom.tests.helpers import connect, dashboard, next_message, terminal
from lessons.models import StepProgress
from lessons.progress import record_check_result

pytestmark = pytest.mark.django_db(transaction=True)
FAILED_PROMPT = b"\x1b]7771;prompt;127\x07"


async def client_for(user):
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def test_the_snapshot_has_a_row_per_student(course, classroom, instructor, alice, bob):
    await database_sync_to_async(StepProgress.objects.create)(
        user=alice, lesson_slug="steps", step_id="hello", passed=True, passed_at="2026-12-01T10:00:00Z"
    )
    await HelpRequest.objects.acreate(classroom=classroom, student=alice, lesson_slug="steps", text="stuck")
    communicator, snapshot = await dashboard(instructor, classroom.pk)
    (row,) = snapshot["students"]
    assert row["username"] == "alice" and row["online"] is False and row["sandbox"] == "missing"
    assert list(row["passed"]) == ["steps/hello"]
    assert row["help"]["text"] == "stuck" and snapshot["help"][0]["student"] == alice.pk
    await communicator.disconnect()


async def test_a_terminal_a_command_and_its_failure_reach_the_dashboard(
    course, classroom, instructor, alice, fake_backend
):
    board, _ = await dashboard(instructor, classroom.pk)
    student = await terminal(alice)
    assert (await next_message(board, "sandbox", state="starting"))["id"] == alice.pk
    await next_message(board, "sandbox", state="running")
    assert (await next_message(board, "lesson"))["lesson"] == "steps"
    await student.send_to(bytes_data=FAILED_PROMPT)  # the fake shell echoes it: bash's marker after `lss`
    command = await next_message(board, "command")
    assert command["status"] == 127 and command["id"] == alice.pk and command["at"] > 0
    await student.send_to(bytes_data=b"\x1b]7771;prompt;0\x07")
    assert (await next_message(board, "command"))["status"] == 0
    await student.disconnect()
    await board.disconnect()
    await asyncio.sleep(WRITE_EVERY + 0.3)  # the live states are written once a second
    # A dashboard opened later starts from what happened.
    board, snapshot = await dashboard(instructor, classroom.pk)
    (row,) = snapshot["students"]
    assert row["command"]["status"] == 0 and row["sandbox"] == "running" and row["lesson"] == "steps"
    await board.disconnect()


async def test_a_passed_step_turns_its_cell_green(course, classroom, instructor, alice):
    board, _ = await dashboard(instructor, classroom.pk)
    await record_check_result(alice, "steps", "hello", passed=True)
    passed = await next_message(board, "passed")
    assert (passed["id"], passed["lesson"], passed["step"]) == (alice.pk, "steps", "hello")
    await record_check_result(alice, "steps", "hello", passed=True)  # passed again: nothing new
    assert await board.receive_nothing(0.2)
    await board.disconnect()


async def test_a_student_of_another_class_is_not_on_this_dashboard(course, classroom, other_class, instructor, bob):
    board, snapshot = await dashboard(instructor, classroom.pk)
    assert [row["username"] for row in snapshot["students"]] == ["alice"]
    await record_check_result(bob, "steps", "hello", passed=True)
    assert await board.receive_nothing(0.3)
    await board.disconnect()


async def test_a_page_open_makes_the_student_online(classroom, instructor, alice):
    board, _ = await dashboard(instructor, classroom.pk)
    page, connected = await connect(alice, "/ws/classroom/")
    assert connected
    assert (await next_message(board, "presence"))["online"] is True
    second, _ = await connect(alice, "/ws/classroom/")
    assert (await next_message(board, "presence"))["online"] is True
    await page.disconnect()
    assert (await next_message(board, "presence"))["online"] is True  # a tab is still open
    await second.disconnect()
    assert (await next_message(board, "presence"))["online"] is False
    await board.disconnect()


async def test_joining_adds_a_row_at_once(classroom, instructor, bob):
    board, _ = await dashboard(instructor, classroom.pk)
    response = await (await client_for(bob)).post(classroom.join_path())
    assert response.status_code == 302
    row = (await next_message(board, "student"))["student"]
    assert row["username"] == "bob"
    await board.disconnect()


async def test_a_help_request_round_trip(course, classroom, instructor, alice):
    board, _ = await dashboard(instructor, classroom.pk)
    page, _ = await connect(alice, "/ws/classroom/")
    response = await (await client_for(alice)).post("/classroom/help/", {"lesson": "steps", "text": "docker says no"})
    assert response.status_code == 200
    request = (await next_message(board, "help"))["request"]
    assert (request["lesson"], request["step"], request["text"]) == ("steps", "hello", "docker says no")
    assert request["state"] == "open"
    assert (await next_message(page, "help"))["state"] == "open"
    teacher = await client_for(instructor)
    await teacher.post(f"/classroom/{classroom.pk}/help/{request['id']}/seen/")
    seen = await next_message(page, "help", state="seen")
    assert seen["by"] == "Ina"
    assert (await next_message(board, "help"))["request"]["seen_by"] == "Ina"
    await teacher.post(f"/classroom/{classroom.pk}/help/{request['id']}/resolve/")
    assert (await next_message(page, "help", state="resolved"))["id"] == request["id"]
    assert await HelpRequest.objects.open().acount() == 0
    await page.disconnect()
    await board.disconnect()


async def test_a_broadcast_reaches_every_page_of_the_class_only(classroom, other_class, instructor, alice, bob):
    alice_page, _ = await connect(alice, "/ws/classroom/")
    bob_page, _ = await connect(bob, "/ws/classroom/")
    teacher = await client_for(instructor)
    response = await teacher.post(f"/classroom/{classroom.pk}/broadcast/", {"text": "Break: 10 min"})
    assert response.status_code == 200
    message = await next_message(alice_page, "broadcast")
    assert (message["text"], message["by"]) == ("Break: 10 min", "Ina")
    assert await bob_page.receive_nothing(0.3)
    too_long = await teacher.post(f"/classroom/{classroom.pk}/broadcast/", {"text": "x" * 301})
    assert too_long.status_code == 400
    await alice_page.disconnect()
    await bob_page.disconnect()


async def test_stop_tells_the_students_pages_and_the_dashboard(course, classroom, instructor, alice, fake_backend):
    board, _ = await dashboard(instructor, classroom.pk)
    student = await terminal(alice)
    page, _ = await connect(alice, "/ws/classroom/")
    response = await (await client_for(instructor)).post(f"/classroom/{classroom.pk}/students/{alice.pk}/stop/")
    assert response.status_code == 200
    assert (await next_message(student, "status", state="stopping"))["by"] == "Ina"
    assert (await next_message(page, "sandbox"))["action"] == "stop"
    await next_message(board, "sandbox", state="stopped")
    assert fake_backend.status == {f"u{alice.pk}": "stopped"}
    await page.disconnect()
    await board.disconnect()


async def test_reset_removes_the_sandbox_and_keeps_progress_unless_asked(
    course, classroom, instructor, alice, fake_backend
):
    await record_check_result(alice, "steps", "hello", passed=True)
    board, _ = await dashboard(instructor, classroom.pk)
    await terminal(alice)
    teacher = await client_for(instructor)
    await teacher.post(f"/classroom/{classroom.pk}/students/{alice.pk}/reset/")
    await next_message(board, "sandbox", state="missing")
    assert fake_backend.status == {} and await StepProgress.objects.filter(user=alice).aexists()
    await teacher.post(f"/classroom/{classroom.pk}/students/{alice.pk}/reset/", {"clear_progress": "1"})
    row = (await next_message(board, "student"))["student"]
    assert row["passed"] == {} and not await StepProgress.objects.filter(user=alice).aexists()
    await board.disconnect()


async def test_stop_all_stops_the_running_sandboxes_of_the_class(
    classroom, other_class, instructor, alice, bob, fake_backend, django_user_model
):
    fake_backend.status.update({f"u{alice.pk}": "running", f"u{bob.pk}": "running"})
    response = await (await client_for(instructor)).post(f"/classroom/{classroom.pk}/stop-all/")
    assert json.loads(response.content) == {"ok": True, "stopped": 1}
    assert fake_backend.status == {f"u{alice.pk}": "stopped", f"u{bob.pk}": "running"}


async def test_screens_are_drawn_after_output_at_a_bounded_rate(classroom, instructor, alice, fake_backend, settings):
    settings.CLASSROOM_SCREEN_INTERVAL = 0.05
    board, _ = await dashboard(instructor, classroom.pk)
    student = await terminal(alice)
    await student.send_to(bytes_data=b"docker pull nginx\r\nError: no such image\r\n")
    screen = (await next_message(board, "screens"))["screens"][str(alice.pk)]
    assert screen["lines"][-1] == "Error: no such image" and screen["full_screen"] is False
    assert await board.receive_nothing(0.3)  # no output since: not drawn again
    # A dashboard opened now gets the screens this process holds in its snapshot.
    second, snapshot = await dashboard(instructor, classroom.pk)
    assert snapshot["screens"][str(alice.pk)]["lines"][-1] == "Error: no such image"
    await second.disconnect()
    await student.disconnect()
    await board.disconnect()


async def test_membership_lookups_follow_roster_changes(course, classroom, instructor, bob):
    board, _ = await dashboard(instructor, classroom.pk)
    await record_check_result(bob, "steps", "hello", passed=True)  # not in the class: cached as such
    assert await board.receive_nothing(0.2)
    await Membership.objects.acreate(classroom=classroom, user=bob)
    await record_check_result(bob, "steps", "look", passed=True)
    assert (await next_message(board, "passed"))["step"] == "look"
    await board.disconnect()
