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


# Every chapter of the seed book has its lesson (see issue 3).
COURSE = {
    "what-is-docker", "first-containers", "basic-concepts", "install-docker", "pull-and-run",
    "list-images", "understanding-images-with-commit", "customize-with-dockerfile", "from-and-scratch",
    "run-and-layers", "build-context", "other-ways-to-build", "copy", "add", "cmd", "entrypoint",
}


def test_it_loads_the_shipped_lessons_in_both_languages():
    report = sync_lessons(settings.LESSONS_DIR)
    assert not report.removed
    for language in ("en", "zh-hans"):
        assert set(Lesson.objects.filter(language=language).values_list("slug", flat=True)) == COURSE


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


def _image_names(reference: str) -> set[str]:
    name = reference.split("@")[0]
    return {name, name.rsplit(":", 1)[0]} if ":" in name.split("/")[-1] else {name, f"{name}:latest"}


def test_the_exercises_run_only_images_an_offline_sandbox_has(shipped):
    """Every `docker run` uses a seeded image of the classroom cache, or one the
    same lesson built, tagged or committed before it."""
    available = set().union(*(_image_names(image) for image in settings.SEED_IMAGES))
    for (language, slug), values in shipped.items():
        made = set()
        for block in runnable_commands(values["body_html"]):
            for command in block:
                words = command.replace("\\\n", " ").split()
                # `docker build -t NAME`, also at the end of a pipe; `docker commit/tag ... NAME`.
                if "build" in words and "-t" in words:
                    made |= _image_names(words[words.index("-t") + 1])
                if words[:2] in (["docker", "commit"], ["docker", "tag"]):
                    made |= _image_names(words[-1])
                if words[:2] == ["docker", "run"]:
                    assert (available | made) & set(words), f"{language}/{slug}: {command}"


def test_the_first_lessons_have_runnable_exercises(shipped):
    commands = [c for block in runnable_commands(shipped[("en", "first-containers")]["body_html"]) for c in block]
    assert "docker run --rm busybox echo hello" in commands
    assert "docker build -t hello ~/hello" in commands
    assert any(c.startswith("docker run -d --name web -p 8080:80") for c in commands)
    assert "curl localhost:8080" in commands
