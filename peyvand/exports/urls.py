from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("lists/<slug:code>/", views.list_export, name="list_export"),
    path("<int:pk>/download/", views.download, name="download"),
    path("account/", views.account_export, name="account"),
]
