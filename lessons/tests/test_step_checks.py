"""The Check button's endpoint, progress records, and the classroom event of a pass."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.test import AsyncClient
from django.urls import reverse

from lessons.models import StepProgress
from lessons.progress import CLASSROOM_GROUP
from lessons.services import sync_lessons
from lessons.tests.step_helpers import HELLO_STEPS, translated, write_step_lesson

pytestmark = pytest.mark.django_db(transaction=True)
CHECK = HELLO_STEPS[0]["check"]["run"]
URL = "/lessons/steps/steps/hello/check/"


@pytest.fixture
def course(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    write_step_lesson(tmp_path, "zh-hans", steps=translated(HELLO_STEPS))
    sync_lessons(tmp_path)


async def _client(user=None, **kwargs):
    client = AsyncClient(**kwargs)
    if user is not None:
        await client.aforce_login(user)
    return client


async def _progress(user):
    return await database_sync_to_async(lambda: {p.step_id: p for p in StepProgress.objects.filter(user=user)})()


async def _classroom_listener():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(CLASSROOM_GROUP, channel)
    return layer, channel


def test_the_url_is_the_documented_one():
    assert reverse("lessons:check", args=["steps", "hello"]) == URL


async def test_anonymous_students_are_refused(course, scripted_backend):
    response = await (await _client()).post(URL)
    assert response.status_code == 403
    assert response.json()["message"] == "Log in to check your work."
    assert scripted_backend.execs == []


async def test_it_needs_a_post_with_a_csrf_token(course, scripted_backend, alice):
    client = await _client(alice, enforce_csrf_checks=True)
    assert (await client.get(URL)).status_code == 405
    assert (await client.post(URL)).status_code == 403
    assert scripted_backend.execs == []


async def test_it_asks_to_start_the_terminal_first(course, scripted_backend, alice):
    response = await (await _client(alice)).post(URL)
    assert response.status_code == 409
    assert response.json() == {"passed": False, "message": "Start your terminal first."}


async def test_it_runs_the_check_in_the_students_sandbox_and_counts_attempts(course, scripted_backend, alice, bob):
    scripted_backend.status[f"u{alice.pk}"] = "running"
    client = await _client(alice)
    response = await client.post(URL)
    assert response.json() == {"passed": False, "message": "No container has been created from busybox yet."}
    assert scripted_backend.execs == [["bash", "-c", CHECK]]
    first = (await _progress(alice))["hello"]
    assert (first.attempts, first.passed, first.passed_at) == (1, False, None)
    assert first.state == "in-progress"

    scripted_backend.exit_codes[CHECK] = 0
    layer, channel = await _classroom_listener()
    response = await client.post(URL)
    assert response.json() == {"passed": True, "message": "Passed."}
    second = (await _progress(alice))["hello"]
    assert (second.attempts, second.passed, second.state) == (2, True, "passed")
    assert second.last_output == f"ran {CHECK}"
    event = await asyncio.wait_for(layer.receive(channel), 2)
    assert event == {
        "type": "progress.passed",
        "user": "alice",
        "lesson": "steps",
        "step": "hello",
        "at": second.passed_at.isoformat(),
    }
    assert await _progress(bob) == {}


async def test_a_passed_step_stays_passed(course, scripted_backend, alice):
    scripted_backend.status[f"u{alice.pk}"] = "running"
    scripted_backend.exit_codes[CHECK] = 0
    client = await _client(alice)
    await client.post(URL)
    passed_at = (await _progress(alice))["hello"].passed_at
    scripted_backend.exit_codes[CHECK] = 1
    assert (await client.post(URL)).json()["passed"] is False
    progress = (await _progress(alice))["hello"]
    assert (progress.passed, progress.passed_at, progress.attempts) == (True, passed_at, 2)


async def test_the_failure_message_follows_the_language(course, scripted_backend, alice):
    scripted_backend.status[f"u{alice.pk}"] = "running"
    client = await _client(alice)
    chinese = {"accept-language": "zh-CN,zh;q=0.9"}
    assert (await client.post(URL, headers=chinese)).json()["message"] == "还没有从 busybox 创建容器。"
    scripted_backend.status.clear()
    assert (await client.post(URL, headers=chinese)).json()["message"] == "请先启动终端。"


async def test_steps_without_a_check_and_unknown_steps_are_not_found(course, scripted_backend, alice):
    scripted_backend.status[f"u{alice.pk}"] = "running"
    client = await _client(alice)
    assert (await client.post("/lessons/steps/steps/look/check/")).status_code == 404
    assert (await client.post("/lessons/steps/steps/nope/check/")).status_code == 404
    assert (await client.post("/lessons/nope/steps/hello/check/")).status_code == 404
    assert scripted_backend.execs == []
