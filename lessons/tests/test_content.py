"""The lesson files shipped in lessons/content."""
import pytest
from django.conf import settings

from lessons.models import Lesson
from lessons.services import load_lesson_files, sync_lessons
from lessons.tests.helpers import runnable_commands

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shipped():
    return load_lesson_files(settings.LESSONS_DIR)


def _by_language(shipped, language):
    return {slug: values for (lang, slug), values in shipped.items() if lang == language}


def test_it_loads_the_shipped_lessons_in_both_languages():
    report = sync_lessons(settings.LESSONS_DIR)
    assert not report.removed
    assert set(Lesson.objects.filter(language="en").values_list("slug", flat=True)) == {
        "what-is-docker", "first-containers",
    }
    assert Lesson.objects.filter(language="zh-hans").count() == 2


def test_both_languages_have_the_same_slugs_and_order(shipped):
    english, chinese = _by_language(shipped, "en"), _by_language(shipped, "zh-hans")
    assert set(english) == set(chinese)
    for slug in english:
        assert english[slug]["order"] == chinese[slug]["order"]


def test_translations_have_the_same_structure_and_commands(shipped):
    english, chinese = _by_language(shipped, "en"), _by_language(shipped, "zh-hans")
    for slug in english:
        assert [h["level"] for h in english[slug]["toc"]] == [h["level"] for h in chinese[slug]["toc"]]
        assert runnable_commands(english[slug]["body_html"]) == runnable_commands(chinese[slug]["body_html"])


def test_the_exercises_run_only_images_an_offline_sandbox_has(shipped):
    # busybox ships with the sandbox; hello is built from it in lesson 02.
    for values in shipped.values():
        for block in runnable_commands(values["body_html"]):
            for command in block:
                if command.startswith("docker run"):
                    assert {"busybox", "hello"} & set(command.split()), command


def test_the_first_lessons_have_runnable_exercises(shipped):
    commands = [c for block in runnable_commands(shipped[("en", "first-containers")]["body_html"]) for c in block]
    assert "docker run --rm busybox echo hello" in commands
    assert "docker build -t hello ~/hello" in commands
    assert any(c.startswith("docker run -d --name web -p 8080:80") for c in commands)
    assert "curl localhost:8080" in commands
