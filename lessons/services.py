"""Loading lesson files into the database.

`sync_lessons` reads and checks every file before it writes anything, then
applies all changes in one transaction: a broken file leaves the database
exactly as it was.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from lessons.models import Lesson
from lessons.rendering import render_markdown
from lessons.steps import SLUG_RE, StepError, check_body_steps, describe_mismatch, parse_steps

FRONT_MATTER_KEYS = {"slug", "title", "order", "summary", "steps"}
# Fields that come from the file; a row whose values all match is left alone.
SYNCED_FIELDS = [
    "title",
    "order",
    "summary",
    "source_path",
    "body_markdown",
    "body_html",
    "toc",
    "steps",
]


class LessonFileError(Exception):
    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class LessonSyncError(Exception):
    """One or more lesson files are broken; nothing was changed."""

    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class SyncReport:
    created: list = field(default_factory=list)  # "lang/slug"
    updated: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated or self.removed)

    def summary(self):
        return (
            f"Lessons: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged."
        )


def language_codes():
    return [code for code, _name in settings.LANGUAGES]


def split_front_matter(text, path):
    """Return (front matter dict, Markdown body) of a lesson file's text."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise LessonFileError(path, "must start with a '---' line opening the YAML front matter")
    for end, line in enumerate(lines[1:], start=1):  # noqa: B007 (`end` is used after the loop)
        if line.strip() == "---":
            break
    else:
        raise LessonFileError(path, "front matter has no closing '---' line")
    try:
        meta = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise LessonFileError(path, f"invalid YAML in front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise LessonFileError(path, "front matter must be a YAML mapping (key: value lines)")
    return meta, "".join(lines[end + 1 :]).lstrip("\n")


def _validate_front_matter(meta, path):
    unknown = sorted(set(map(str, meta)) - FRONT_MATTER_KEYS)
    if unknown:
        raise LessonFileError(path, f"unknown front matter key(s): {', '.join(unknown)}")
    slug = meta.get("slug")
    if not slug:
        raise LessonFileError(path, "missing 'slug' in front matter")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise LessonFileError(path, f"invalid slug {slug!r}: use lowercase letters, digits and dashes (max 63)")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LessonFileError(path, "missing 'title' in front matter")
    order = meta.get("order")
    if isinstance(order, bool) or not isinstance(order, int):
        raise LessonFileError(path, "'order' must be an integer")
    summary = meta.get("summary") or ""
    if not isinstance(summary, str):
        raise LessonFileError(path, "'summary' must be text")
    return {"slug": slug, "title": title.strip(), "order": order, "summary": summary.strip()}


def parse_lesson_file(path, language, relative_path):
    """Read, check and render one file into the field values of a Lesson."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LessonFileError(relative_path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise LessonFileError(relative_path, f"cannot be read: {exc.strerror}") from None
    meta, body = split_front_matter(text, relative_path)
    values = _validate_front_matter(meta, relative_path)
    try:
        steps = parse_steps(meta.get("steps"))
        rendered = render_markdown(body, language, steps=steps)
        check_body_steps(steps, list(rendered.step_ids))
    except StepError as exc:
        raise LessonFileError(relative_path, str(exc)) from exc
    return {
        **values,
        "language": language,
        "source_path": relative_path,
        "body_markdown": body,
        "body_html": rendered.html,
        "toc": rendered.toc,
        "steps": [step.to_json() for step in steps],
    }


def _check_translations_agree(lessons):
    """Errors for lessons whose step ids or check commands differ between languages.

    Titles and the fail/hint texts are translated; what runs must not be.
    """
    errors, by_slug = [], {}
    for (_language, slug), values in sorted(lessons.items()):
        by_slug.setdefault(slug, []).append(values)
    for versions in by_slug.values():
        first = versions[0]
        for other in versions[1:]:
            reason = describe_mismatch(first["steps"], other["steps"])
            if reason:
                errors.append(
                    LessonFileError(
                        f"{first['source_path']} and {other['source_path']}",
                        f"steps must match across languages: {reason}",
                    )
                )
    return errors


def load_lesson_files(directory):
    """Parse every `<lang>/*.md` under `directory`.

    Returns {(language, slug): values}; raises LessonSyncError listing every
    broken file at once, so authors can fix them all in one go.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise LessonSyncError([LessonFileError(str(directory), "lessons directory does not exist")])
    known = language_codes()
    lessons, errors = {}, []
    for subdir in sorted(p for p in directory.iterdir() if p.is_dir()):
        if subdir.name not in known:
            errors.append(
                LessonFileError(f"{subdir.name}/", f"unknown language directory (expected one of {', '.join(known)})")
            )
            continue
        for path in sorted(subdir.glob("*.md")):
            relative = f"{subdir.name}/{path.name}"
            try:
                values = parse_lesson_file(path, subdir.name, relative)
            except LessonFileError as exc:
                errors.append(exc)
                continue
            key = (subdir.name, values["slug"])
            if key in lessons:
                errors.append(
                    LessonFileError(
                        relative, f"duplicate slug {values['slug']!r}, also used by {lessons[key]['source_path']}"
                    )
                )
                continue
            lessons[key] = values
    errors += _check_translations_agree(lessons)
    if errors:
        raise LessonSyncError(errors)
    return lessons


def sync_lessons(directory=None):
    """Make the Lesson table match the files in `directory` (default LESSONS_DIR)."""
    parsed = load_lesson_files(directory or settings.LESSONS_DIR)
    report = SyncReport()
    with transaction.atomic():
        existing = {(lesson.language, lesson.slug): lesson for lesson in Lesson.objects.select_for_update()}
        for key, values in parsed.items():
            lesson = existing.pop(key, None)
            if lesson is None:
                Lesson.objects.create(**values)
                report.created.append("/".join(key))
            elif any(getattr(lesson, name) != values[name] for name in SYNCED_FIELDS):
                for name in SYNCED_FIELDS:
                    setattr(lesson, name, values[name])
                lesson.save()
                report.updated.append("/".join(key))
            else:
                report.unchanged += 1
        for key, lesson in existing.items():
            lesson.delete()
            report.removed.append("/".join(key))
    return report
