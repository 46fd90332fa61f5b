from django.db import models
from django.urls import reverse


class Lesson(models.Model):
    """One lesson in one language, loaded from a Markdown file by `sync_lessons`.

    The files are the source of truth; never edit rows by hand.
    """

    slug = models.SlugField(max_length=63)
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    order = models.IntegerField()
    summary = models.TextField(blank=True)
    source_path = models.CharField(max_length=500, help_text="Relative to LESSONS_DIR.")
    body_markdown = models.TextField()
    body_html = models.TextField(help_text="Rendered and sanitized.")
    toc = models.JSONField(default=list, help_text="[{level, id, text}, ...]")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="lesson_unique_slug_language"),
        ]

    def __str__(self):
        return f"{self.language}/{self.slug}"

    def get_absolute_url(self):
        return reverse("lessons:detail", args=[self.slug])

    def _siblings(self):
        return Lesson.objects.filter(language=self.language).exclude(pk=self.pk)

    def get_previous(self):
        """The lesson before this one in the same language, or None."""
        before = models.Q(order__lt=self.order) | models.Q(order=self.order, slug__lt=self.slug)
        return self._siblings().filter(before).order_by("-order", "-slug").first()

    def get_next(self):
        """The lesson after this one in the same language, or None."""
        after = models.Q(order__gt=self.order) | models.Q(order=self.order, slug__gt=self.slug)
        return self._siblings().filter(after).order_by("order", "slug").first()
