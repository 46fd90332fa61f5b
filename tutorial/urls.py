from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tutorial import operations

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="lessons:index", permanent=False), name="home"),
    path("lessons/", include("lessons.urls")),
    path("accounts/", include("accounts.urls")),
    path("sandbox/", include("sandbox.urls")),
    path("books/", include("books.urls")),
    path("classroom/", include("classroom.urls")),
    path("recordings/", include("recordings.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", operations.healthz, name="healthz"),
    path("metrics", operations.metrics, name="metrics"),
]
