from django.urls import path

from sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("", views.playground, name="playground"),
    path("watch/<str:username>/", views.watch, name="watch"),
    path("images/", views.image_cache, name="image_cache"),
]
