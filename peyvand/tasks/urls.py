from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/toggle/", views.toggle, name="toggle"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("panel/<str:record_kind>/<int:pk>/", views.panel, name="panel"),
]
