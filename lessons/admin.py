from django.contrib import admin

from lessons.models import Lesson


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
