from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.upload, name="new"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/map/", views.map_columns, name="map"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/run/", views.run, name="run"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/errors.csv", views.error_report, name="errors"),
]
