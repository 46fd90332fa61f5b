from django.contrib import admin

from classroom.models import Broadcast, ClassItem, Classroom, HelpRequest, Membership


class ClassItemInline(admin.TabularInline):
    model = ClassItem
    extra = 0


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    """Co-instructors are added here; everything else has its own page at /classroom/."""

    list_display = ["name", "join_code", "joining_open", "allow_take_over", "starts_at", "ends_at"]
    filter_horizontal = ["instructors"]
    inlines = [ClassItemInline]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["classroom", "user", "joined_at"]
    search_fields = ["user__username", "classroom__name"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["classroom", "student", "lesson_slug", "step_id", "created_at", "seen_at", "resolved_at"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["classroom", "author", "text", "created_at"]
