from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_new, name="article_new"),
    path("preview/", views.article_preview, name="article_preview"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/delete/", views.article_delete, name="article_delete"),
    path("<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
    path("categories/", views.category_list, name="categories"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/new/", views.canned_new, name="canned_new"),
    path("canned/preview/", views.canned_preview, name="canned_preview"),
    path("canned/<int:pk>/", views.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", views.canned_delete, name="canned_delete"),
]
