"""Steps in lesson files: what sync_lessons accepts, and the errors that name the file."""

import pytest

from lessons.models import Lesson
from lessons.services import LessonSyncError, sync_lessons
from lessons.tests.step_helpers import HELLO_BODY, HELLO_STEPS, translated, write_step_lesson

pytestmark = pytest.mark.django_db


def _errors(tmp_path):
    with pytest.raises(LessonSyncError) as caught:
        sync_lessons(tmp_path)
    assert Lesson.objects.count() == 0
    return str(caught.value)


def test_it_stores_steps_with_their_checks(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    write_step_lesson(tmp_path, "zh-hans", steps=translated(HELLO_STEPS))
    sync_lessons(tmp_path)
    lesson = Lesson.objects.get(language="en", slug="steps")
    hello, look = lesson.get_steps()
    assert hello.id == "hello" and hello.title == "Run your first container"
    assert hello.check.run == "docker ps -a --filter ancestor=busybox -q | grep -q ."
    assert hello.check.solution == "docker run busybox echo hello"
    assert look.check is None
    chinese = Lesson.objects.get(language="zh-hans", slug="steps").get_step("hello")
    assert chinese.check.fail == "还没有从 busybox 创建容器。"


def test_a_lesson_without_steps_still_loads(tmp_path):
    write_step_lesson(tmp_path, body="Plain text.\n")
    sync_lessons(tmp_path)
    assert Lesson.objects.get().steps == []


def test_it_refuses_a_step_block_that_is_not_declared(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS, body=HELLO_BODY + "\n::: step extra\nMore.\n:::\n")
    errors = _errors(tmp_path)
    assert "en/01-steps.md" in errors
    assert "'::: step extra' names a step that is not declared" in errors


def test_it_refuses_a_declared_step_missing_from_the_body(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS, body="::: step hello\nOnly one.\n:::\n")
    errors = _errors(tmp_path)
    assert "en/01-steps.md: declared step(s) missing from the body: look" in errors


def test_it_refuses_a_step_used_twice(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS, body=HELLO_BODY + "\n::: step look\nAgain.\n:::\n")
    assert "step 'look' appears 2 times in the body" in _errors(tmp_path)


def test_it_refuses_duplicate_step_ids(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS + [{"id": "look", "title": "Again"}])
    assert "en/01-steps.md: duplicate step id 'look'" in _errors(tmp_path)


@pytest.mark.parametrize(
    "step, reason",
    [
        ({"id": "Bad_Id", "title": "x"}, "invalid id 'Bad_Id'"),
        ({"id": "ok", "title": ""}, "step 'ok': 'title' is missing"),
        ({"id": "ok", "title": "x", "check": {"fail": "no"}}, "step 'ok': check 'run' is missing"),
        ({"id": "ok", "title": "x", "check": {"run": "true"}}, "step 'ok': check 'fail' is missing"),
        ({"id": "ok", "title": "x", "check": {"run": "true", "fail": "f", "sol": "x"}}, "unknown check key(s): sol"),
        ({"id": "ok", "title": "x", "checks": {}}, "step 'ok': unknown key(s): checks"),
    ],
)
def test_it_explains_a_badly_declared_step(tmp_path, step, reason):
    write_step_lesson(tmp_path, steps=[step], body="::: step ok\nx\n:::\n")
    assert reason in _errors(tmp_path)


def test_it_refuses_nested_steps(tmp_path):
    steps = [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]
    write_step_lesson(tmp_path, steps=steps, body=":::: step a\n::: step b\nx\n:::\n::::\n")
    assert "steps cannot nest" in _errors(tmp_path)


def test_step_blocks_without_steps_declared_are_refused(tmp_path):
    write_step_lesson(tmp_path, body="::: step hello\nx\n:::\n")
    assert "names a step that is not declared" in _errors(tmp_path)


@pytest.mark.parametrize("key", ["run", "solution"])
def test_languages_must_share_check_commands(tmp_path, key):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    chinese = translated(HELLO_STEPS)
    chinese[0]["check"] = {**chinese[0]["check"], key: "true"}
    write_step_lesson(tmp_path, "zh-hans", steps=chinese)
    errors = _errors(tmp_path)
    assert "en/01-steps.md and zh-hans/01-steps.md" in errors
    assert f"step 'hello': check '{key}' differs" in errors


def test_languages_must_share_step_ids(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    chinese = translated(HELLO_STEPS)
    chinese[1]["id"] = "look-around"
    write_step_lesson(tmp_path, "zh-hans", steps=chinese, body=HELLO_BODY.replace("step look", "step look-around"))
    errors = _errors(tmp_path)
    assert "en/01-steps.md and zh-hans/01-steps.md: steps must match across languages: step ids differ" in errors


def test_languages_may_translate_titles_fail_and_hint(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    chinese = translated(HELLO_STEPS)
    chinese[0]["check"]["hint"] = "用 docker run。"
    write_step_lesson(tmp_path, "zh-hans", steps=chinese)
    assert len(sync_lessons(tmp_path).created) == 2
