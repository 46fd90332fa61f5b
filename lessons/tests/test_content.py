"""The lesson files shipped in lessons/content."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from lessons.models import Lesson
from lessons.rendering import split_commands
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
    "what-is-docker",
    "first-containers",
    "basic-concepts",
    "install-docker",
    "pull-and-run",
    "list-images",
    "understanding-images-with-commit",
    "customize-with-dockerfile",
    "from-and-scratch",
    "run-and-layers",
    "build-context",
    "other-ways-to-build",
    "copy",
    "add",
    "cmd",
    "entrypoint",
    "containers",
    "data-management",
    "networking",
    "repositories",
    "multi-stage-builds",
    "buildkit",
    "compose",
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
                # `docker build -t NAME`, also at the end of a pipe; `docker commit/tag/import ... NAME`.
                if "build" in words and "-t" in words:
                    made |= _image_names(words[words.index("-t") + 1])
                if words[:2] in (["docker", "commit"], ["docker", "tag"], ["docker", "import"]):
                    made |= _image_names(words[-1])
                if words[:2] == ["docker", "run"]:
                    assert (available | made) & set(words), f"{language}/{slug}: {command}"


def test_the_first_lessons_have_runnable_exercises(shipped):
    commands = [c for block in runnable_commands(shipped[("en", "first-containers")]["body_html"]) for c in block]
    assert "docker run --rm busybox echo hello" in commands
    assert "docker build -t hello ~/hello" in commands
    assert any(c.startswith("docker run -d --name web -p 8080:80") for c in commands)
    assert "curl localhost:8080" in commands


RUNNABLE_BLOCK = re.compile(r"^```(?:console|bash|sh|shell) run[^\n]*\n(.*?)^```", re.M | re.S)
HEREDOC_START = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def _lesson_sources():
    root = Path(settings.LESSONS_DIR)
    return sorted(root.glob("*/*.md"))


def _heredocs(code):
    """Each heredoc of a shell block as its lines, opening line to delimiter (None if unterminated)."""
    lines, found, number = code.splitlines(), [], 0
    while number < len(lines):
        match = HEREDOC_START.search(lines[number])
        if not match:
            number += 1
            continue
        end = next((i for i in range(number + 1, len(lines)) if lines[i].strip() == match.group(2)), None)
        found.append(lines[number : end + 1] if end is not None else None)
        number = (end or len(lines)) + 1
    return found


def test_heredocs_in_runnable_blocks_reach_the_shell_unchanged():
    """The terminal types a block's commands one by one (docs/lessons-format.md): blank and
    comment lines are skipped and a line's leading spaces dropped, so a heredoc must have none."""
    problems = []
    for path in _lesson_sources():
        for code in RUNNABLE_BLOCK.findall(path.read_text(encoding="utf-8")):
            typed = "\n".join(split_commands(code))
            for heredoc in _heredocs(code):
                if heredoc is None:
                    problems.append(f"{path.parent.name}/{path.name}: a heredoc without its closing delimiter")
                elif "\n".join(heredoc) not in typed:
                    problems.append(f"{path.parent.name}/{path.name}: heredoc changed when typed: {heredoc[0]!r}")
    assert not problems, "\n".join(problems)


def test_it_finds_what_would_break_a_heredoc():
    assert _heredocs("cat > f <<'EOF'\nA\n\nEOF\necho") == [["cat > f <<'EOF'", "A", "", "EOF"]]
    assert "\n".join(split_commands("cat > f <<'EOF'\nA\n# c\nEOF")) != "cat > f <<'EOF'\nA\n# c\nEOF"
    assert _heredocs("cat <<EOF\nno end") == [None]


def test_every_lesson_ends_with_the_same_closing_heading(shipped):
    closing = {"en": "Summary", "zh-hans": "小结"}
    for (language, slug), values in shipped.items():
        sections = [h["text"] for h in values["toc"] if h["level"] == 2 and not h.get("step")]
        assert sections[-1] == closing[language], f"{language}/{slug} ends with {sections[-1]!r}"


def test_the_image_name_diagram_lines_up_in_both_languages():
    """The brackets under registry.example.com/team/busybox:1.0 span its three parts."""
    name = "registry.example.com/team/busybox:1.0"
    for language in ("en", "zh-hans"):
        text = (Path(settings.LESSONS_DIR) / language / "03-basic-concepts.md").read_text(encoding="utf-8")
        lines = text.split(name + "\n", 1)[1].splitlines()
        brackets = lines[0]
        spans = [(m.start(), m.end() - 1) for m in re.finditer(r"└[─┬]*┘", brackets)]
        parts = [
            (0, name.index("/") - 1),
            (name.index("/") + 1, name.index(":") - 1),
            (name.index(":") + 1, len(name) - 1),
        ]
        assert spans == parts, f"{language}: {spans} != {parts}"
        for start, _ in spans:  # from each bracket's ┬ a line goes down and turns to its label
            column, row = brackets.index("┬", start), 1
            while lines[row][column] == "│":
                row += 1
            assert lines[row][column] == "└", f"{language}: the line below column {column} does not reach a label"
