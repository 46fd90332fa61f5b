from django.conf import settings
from django.db import models
from django.urls import reverse

from lessons.steps import Step


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
    toc = models.JSONField(default=list, help_text="[{level, id, text[, step]}, ...]")
    steps = models.JSONField(
        default=list, blank=True, help_text="[{id, title, check: {run, fail, hint, solution} | null}, ...]"
    )
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

    def get_steps(self):
        return [Step.from_json(data) for data in self.steps]

    def get_step(self, step_id):
        return next((step for step in self.get_steps() if step.id == step_id), None)

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


class StepProgress(models.Model):
    """One student's progress on one step of a lesson, in any language.

    Keyed by the lesson's slug rather than a Lesson row: rows are per
    language and are replaced by `sync_lessons`, progress must outlive both.
    A passed step stays passed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="step_progress")
    lesson_slug = models.SlugField(max_length=63)
    step_id = models.CharField(max_length=41)
    passed = models.BooleanField(default=False)
    passed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Check button presses.")
    last_message = models.TextField(blank=True, help_text="What the last check told the student.")
    last_output = models.TextField(blank=True, help_text="The end of the last check's output, for instructors.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "step progress"
        verbose_name_plural = "step progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson_slug", "step_id"], name="stepprogress_unique_user_lesson_step"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.lesson_slug}/{self.step_id}: {'passed' if self.passed else self.attempts}"

    @property
    def state(self):
        """"passed", "in-progress" (tried, not passed) or "not-started"."""
        if self.passed:
            return "passed"
        return "in-progress" if self.attempts else "not-started"
