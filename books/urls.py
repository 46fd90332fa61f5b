from django.urls import path

from books import views

app_name = "books"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:book>/", views.toc, name="toc"),
    # Page slugs never start with "_", so this cannot shadow a page.
    path("<slug:book>/_images/<str:name>", views.image, name="image"),
    path("<slug:book>/<slug:page>/", views.page, name="page"),
]
