"""Classes: who teaches them, who is in them, what they cover, and what their
students ask for; plus each student's live state for the dashboard.

A student's progress stays where the lessons keep it (lessons.StepProgress):
a class only says which lessons and book chapters it covers, in order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classroom import codes
from recordings import policy as recording_policy

HELP_TEXT_MAX = 200
BROADCAST_MAX = 300


class Classroom(models.Model):
    name = models.CharField(_("name"), max_length=120)
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="classes_taught")
    students = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="classes_joined")
    join_code = models.CharField(max_length=16, unique=True, default=codes.new_join_code)
    join_token = models.CharField(max_length=48, unique=True, default=codes.new_join_token)
    joining_open = models.BooleanField(_("students may join"), default=True)
    allow_take_over = models.BooleanField(_("instructors may type in students' terminals (take over)"), default=True)
    recording = models.CharField(
        _("record students' terminals"),
        max_length=8,
        choices=[
            (recording_policy.OFF, _("off")),
            (recording_policy.ON, _("on: a badge on the student's pages says so")),
            (recording_policy.NOTICE, _("on, with a notice: the student's pages also explain it")),
        ],
        default=recording_policy.OFF,
        help_text=_("Instructors can replay what the students' terminals showed, with the commands they ran."),
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "name"]
        permissions = [("teach", "Can run classes (the instructor role)")]
        verbose_name = "class"
        verbose_name_plural = "classes"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("classroom:dashboard", args=[self.pk])

    def join_path(self) -> str:
        return reverse("classroom:join_link", args=[self.join_token])

    def may_join(self, now=None) -> bool:
        now = now or timezone.now()
        return self.joining_open and (self.ends_at is None or now < self.ends_at)

    def lesson_slugs(self) -> list[str]:
        return [item.lesson_slug for item in self.items.all() if item.lesson_slug]


class ClassItem(models.Model):
    """One lesson, or one book chapter, of a class, in the class's order.

    By slug, as progress is: lessons and book pages are rows that re-syncs replace."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField()
    lesson_slug = models.SlugField(max_length=63, blank=True)
    book_slug = models.SlugField(max_length=63, blank=True)
    page_slug = models.SlugField(max_length=100, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lesson_slug="") & ~models.Q(book_slug="") & ~models.Q(page_slug=""))
                | (~models.Q(lesson_slug="") & models.Q(book_slug="") & models.Q(page_slug="")),
                name="classitem_lesson_or_chapter",
            ),
        ]

    def __str__(self):
        return self.lesson_slug or f"{self.book_slug}/{self.page_slug}"

    @property
    def key(self) -> str:
        """What the class's form calls this item: "lesson:<slug>" or "chapter:<book>/<page>"."""
        return f"lesson:{self.lesson_slug}" if self.lesson_slug else f"chapter:{self.book_slug}/{self.page_slug}"


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="membership_unique_class_user"),
        ]

    def __str__(self):
        return f"{self.user} in {self.classroom}"


class HelpRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class HelpRequest(models.Model):
    """A raised hand: open until an instructor (or the student) resolves it."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="help_requests")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_requests")
    lesson_slug = models.SlugField(max_length=63, blank=True)
    step_id = models.CharField(max_length=41, blank=True)
    text = models.CharField(max_length=HELP_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.student} in {self.classroom}: {self.text[:40]}"

    @property
    def state(self) -> str:
        if self.resolved_at:
            return "resolved"
        return "seen" if self.seen_at else "open"


class Broadcast(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="broadcasts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(max_length=BROADCAST_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:40]


class LiveState(models.Model):
    """What the dashboard shows of a student between page loads, written at the
    rate of events (a command finished, a page opened, the sandbox changed), never
    of keystrokes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="live_state"
    )
    connections = models.IntegerField(default=0, help_text="Pages of the site the student has open.")
    sandbox = models.CharField(max_length=16, default="missing")
    lesson_slug = models.SlugField(max_length=63, blank=True)
    last_command_at = models.DateTimeField(null=True, blank=True)
    last_command_status = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}: {self.sandbox}"
