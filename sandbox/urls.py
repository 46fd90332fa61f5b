from django.urls import path

from sandbox import files_views, preview_views, views

app_name = "sandbox"
urlpatterns = [
    path("", views.playground, name="playground"),
    path("watch/<str:username>/", views.watch, name="watch"),
    path("images/", views.image_cache, name="image_cache"),
    path("sandboxes/", views.sandboxes, name="sandboxes"),
    path("files/", files_views.list_dir, name="files_list"),
    path("files/read/", files_views.read_file, name="files_read"),
    path("files/save/", files_views.save_file, name="files_save"),
    path("ports/", preview_views.ports, name="ports"),
    path("preview/<int:port>/", preview_views.proxy, name="preview"),
    path("preview/<int:port>/<path:path>", preview_views.proxy, name="preview_path"),
]
