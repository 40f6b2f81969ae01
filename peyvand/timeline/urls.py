from django.urls import path

from . import views

app_name = "timeline"
urlpatterns = [
    path("<int:pk>/recording/", views.recording, name="recording"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<str:record_kind>/<int:pk>/", views.panel, name="panel"),
    path("<str:record_kind>/<int:pk>/entries/", views.entries, name="entries"),
    path("<str:record_kind>/<int:pk>/composer/", views.composer, name="composer"),
    path("<str:record_kind>/<int:pk>/add/<str:entry_kind>/", views.add, name="add"),
]
