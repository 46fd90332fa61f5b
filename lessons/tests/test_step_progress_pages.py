"""What a student sees of their progress: step badges, table of contents, lesson list."""

import pytest
from django.utils import timezone

from lessons.models import StepProgress
from lessons.services import sync_lessons
from lessons.tests.helpers import elements, write_lesson
from lessons.tests.step_helpers import HELLO_STEPS, write_step_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    write_step_lesson(tmp_path, filename="02-more.md", slug="more", title="More", order=2, steps=HELLO_STEPS)
    write_lesson(tmp_path, "en", "03-reading.md", slug="reading", title="Reading only", order=3)
    sync_lessons(tmp_path)


def _progress(user, slug, step, passed=False, attempts=1):
    StepProgress.objects.create(
        user=user,
        lesson_slug=slug,
        step_id=step,
        passed=passed,
        attempts=attempts,
        passed_at=timezone.now() if passed else None,
    )


def _states(html, tag, css_class):
    return {
        attrs["data-step"]: attrs["data-state"]
        for t, attrs in elements(html)
        if t == tag and css_class in (attrs.get("class") or "").split()
    }


def test_a_new_student_sees_every_step_not_started(client, course, alice):
    client.force_login(alice)
    html = client.get("/lessons/steps/").content.decode()
    assert _states(html, "section", "step") == {"hello": "not-started", "look": "not-started"}
    assert _states(html, "li", "toc-step") == {"hello": "not-started", "look": "not-started"}


def test_the_lesson_page_shows_the_students_own_progress(client, course, alice, bob):
    _progress(alice, "steps", "hello", passed=True)
    _progress(bob, "steps", "look", attempts=3)
    client.force_login(alice)
    html = client.get("/lessons/steps/").content.decode()
    assert _states(html, "section", "step") == {"hello": "passed", "look": "not-started"}
    assert _states(html, "li", "toc-step") == {"hello": "passed", "look": "not-started"}
    assert "(passed)" in html
    client.force_login(bob)
    html = client.get("/lessons/steps/").content.decode()
    assert _states(html, "section", "step") == {"hello": "not-started", "look": "in-progress"}


def test_the_page_carries_the_check_url_and_the_terminal_lesson(client, course, alice):
    client.force_login(alice)
    html = client.get("/lessons/steps/").content.decode()
    article = next(a for t, a in elements(html) if t == "article")
    assert article["data-check-url"] == "/lessons/steps/steps/STEP/check/"
    pane = next(a for t, a in elements(html) if a.get("id") == "terminal-pane")
    assert (pane["data-lesson"], pane["data-lesson-language"]) == ("steps", "en")


def test_the_lesson_list_shows_done_in_progress_and_not_started(client, course, alice):
    _progress(alice, "steps", "hello", passed=True)
    _progress(alice, "steps", "look", passed=True)
    _progress(alice, "more", "hello", attempts=2)
    client.force_login(alice)
    html = client.get("/lessons/").content.decode()
    badges = [a["class"] for t, a in elements(html) if t == "span" and "lesson-progress" in a.get("class", "")]
    assert badges == ["lesson-progress progress-done", "lesson-progress progress-in-progress"]
    assert 'progress-done">Done</span>' in html
    assert 'progress-in-progress">In progress</span>' in html


def test_a_lesson_with_untouched_steps_is_not_started(client, course, alice):
    client.force_login(alice)
    html = client.get("/lessons/").content.decode()
    assert html.count('progress-not-started">Not started</span>') == 2  # the reading-only lesson has no badge


def test_visitors_see_no_progress(client, course):
    html = client.get("/lessons/").content.decode()
    assert "lesson-progress" not in html
    html = client.get("/lessons/steps/").content.decode()
    assert _states(html, "section", "step") == {"hello": "not-started", "look": "not-started"}


def test_progress_is_shared_between_languages(client, alice, tmp_path):
    write_step_lesson(tmp_path, steps=HELLO_STEPS)
    write_step_lesson(tmp_path, "zh-hans", title="步骤", steps=HELLO_STEPS)
    sync_lessons(tmp_path)
    _progress(alice, "steps", "hello", passed=True)
    client.force_login(alice)
    html = client.get("/lessons/steps/", headers={"accept-language": "zh-CN"}).content.decode()
    assert "<h1>步骤</h1>" in html
    assert _states(html, "section", "step") == {"hello": "passed", "look": "not-started"}
    assert '<span class="badge-passed">已通过</span>' in html
