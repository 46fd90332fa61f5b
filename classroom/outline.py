"""What a class covers, as pages show it: its lessons (with their steps) and book
chapters, in the class's order, titled in the reader's language."""

from __future__ import annotations

from books.models import BookPage
from lessons.models import Lesson

FALLBACK_LANGUAGE = "en"


def lessons_by_slug(slugs, language: str, only: tuple[str, ...] = ()) -> dict[str, Lesson]:
    """{slug: Lesson} in `language`, else in the fallback language; every lesson
    if `slugs` is None; with only the fields in `only` loaded, if given."""
    found = {}
    rows = Lesson.objects.filter(language__in={language, FALLBACK_LANGUAGE})
    if slugs is not None:
        rows = rows.filter(slug__in=slugs)
    if only:
        rows = rows.only("slug", "language", *only)
    for lesson in sorted(rows, key=lambda row: row.language != language):
        found.setdefault(lesson.slug, lesson)
    return found


def lesson_titles(language: str) -> dict[str, str]:
    """{slug: title} of every lesson, in `language` where it has one: a student
    may be on a lesson the class does not cover, and the dashboard names it."""
    return {slug: lesson.title for slug, lesson in lessons_by_slug(None, language, only=("title",)).items()}


def outline(classroom, language: str) -> list[dict]:
    """[{"kind": "lesson", "slug", "title", "url", "steps": [{"id", "title"}] (checked ones)} |
        {"kind": "chapter", "book", "page", "title", "url"}], in the class's order.
    An item whose lesson or page no longer exists is left out."""
    items = list(classroom.items.all())
    lessons = lessons_by_slug([item.lesson_slug for item in items if item.lesson_slug], language)
    pages = {
        (page.book.slug, page.slug): page
        for page in BookPage.objects.select_related("book").filter(
            book__slug__in={item.book_slug for item in items if item.book_slug},
            slug__in={item.page_slug for item in items if item.page_slug},
        )
    }
    entries = []
    for item in items:
        if item.lesson_slug and item.lesson_slug in lessons:
            lesson = lessons[item.lesson_slug]
            entries.append(
                {
                    "kind": "lesson",
                    "key": item.key,
                    "slug": lesson.slug,
                    "title": lesson.title,
                    "url": lesson.get_absolute_url(),
                    # Only steps with a check can be passed: the others get no cell.
                    "steps": [{"id": step.id, "title": step.title} for step in lesson.get_steps() if step.check],
                }
            )
        elif (item.book_slug, item.page_slug) in pages:
            page = pages[(item.book_slug, item.page_slug)]
            entries.append(
                {
                    "kind": "chapter",
                    "key": item.key,
                    "book": page.book.slug,
                    "page": page.slug,
                    "title": f"{page.book.title} · {page.title}",
                    "url": page.get_absolute_url(),
                }
            )
    return entries


def choices(language: str) -> list[tuple[str, str]]:
    """Everything a class may cover, for the class form: every lesson, then every book chapter."""
    slugs = list(Lesson.objects.order_by("order", "slug").values_list("slug", flat=True).distinct())
    lessons = lessons_by_slug(slugs, language)
    entries = [(f"lesson:{slug}", lessons[slug].title) for slug in dict.fromkeys(slugs) if slug in lessons]
    for page in BookPage.objects.select_related("book").filter(depth=0).order_by("book__title", "order"):
        entries.append((f"chapter:{page.book.slug}/{page.slug}", f"{page.book.title} · {page.title}"))
    return entries
