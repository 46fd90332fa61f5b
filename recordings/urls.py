from django.urls import path

from recordings import views

app_name = "recordings"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<str:username>/", views.student, name="student"),
    path("<str:username>/<str:name>/", views.replay, name="replay"),
    path("<str:username>/<str:name>.cast", views.cast, name="cast"),
]
