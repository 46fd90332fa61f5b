from django.contrib import admin

from lessons.models import Lesson, StepProgress


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """Read-only: lessons come from files through `manage.py sync_lessons`."""

    list_display = ["title", "slug", "language", "order", "updated_at"]
    list_filter = ["language"]
    search_fields = ["title", "slug"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StepProgress)
class StepProgressAdmin(admin.ModelAdmin):
    """Read-only: progress is written by checks."""

    list_display = ["user", "lesson_slug", "step_id", "passed", "attempts", "passed_at", "updated_at"]
    list_filter = ["passed", "lesson_slug"]
    search_fields = ["user__username", "lesson_slug", "step_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
