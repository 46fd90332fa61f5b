from django.urls import path

from classroom import action_views, join_views, roster_views, views

app_name = "classroom"
urlpatterns = [
    path("", views.class_list, name="list"),
    path("new/", views.new_class, name="new"),
    path("join/", join_views.join_code, name="join_code"),
    path("join/<str:token>/", join_views.join_link, name="join_link"),
    path("help/", action_views.ask_help, name="ask_help"),
    path("help/<int:request_id>/cancel/", action_views.cancel_help, name="cancel_help"),
    path("<int:classroom_id>/", views.class_page, name="class_page"),
    path("<int:classroom_id>/edit/", views.edit_class, name="edit"),
    path("<int:classroom_id>/new-code/", views.new_join_code, name="new_join_code"),
    path("<int:classroom_id>/dashboard/", views.dashboard, name="dashboard"),
    path("<int:classroom_id>/students/import/", roster_views.import_students, name="import"),
    path("<int:classroom_id>/progress.csv", roster_views.export_progress, name="export"),
    path("<int:classroom_id>/students/<int:student_id>/<str:action>/", action_views.control, name="control"),
    path("<int:classroom_id>/stop-all/", action_views.stop_all, name="stop_all"),
    path("<int:classroom_id>/broadcast/", action_views.broadcast, name="broadcast"),
    path("<int:classroom_id>/help/<int:request_id>/seen/", action_views.help_seen, name="help_seen"),
    path("<int:classroom_id>/help/<int:request_id>/resolve/", action_views.help_resolve, name="help_resolve"),
]
