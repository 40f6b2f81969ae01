from django.urls import path, register_converter

from . import privacy_views, views


class RecordIdConverter:
    """Digits that fit a 64-bit id; longer numbers are a 404, never a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RecordIdConverter, "record_id")

app_name = "contacts"
urlpatterns = [
    path("", views.contact_list, name="contact_list"),
    path("new/", views.contact_create, name="contact_create"),
    path("<record_id:pk>/", views.contact_detail, name="contact_detail"),
    path("<record_id:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<record_id:pk>/merge/", views.contact_merge, name="contact_merge"),
    path("<record_id:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<record_id:pk>/history/", views.contact_history, name="contact_history"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<record_id:pk>/", views.company_detail, name="company_detail"),
    path("companies/<record_id:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<record_id:pk>/merge/", views.company_merge, name="company_merge"),
    path("companies/<record_id:pk>/delete/", views.company_delete, name="company_delete"),
    path("companies/<record_id:pk>/history/", views.company_history, name="company_history"),
    path("merges/<record_id:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    # Trash and the right to be forgotten; kind is "contact" or "company".
    path("trash/", privacy_views.trash, name="trash"),
    path(
        "trash/<slug:kind>/<record_id:pk>/restore/",
        privacy_views.trash_restore,
        name="trash_restore",
    ),
    path("<slug:kind>/<record_id:pk>/erase/", privacy_views.erase, name="erase"),
    path("<slug:kind>/<record_id:pk>/export/", privacy_views.export, name="export"),
]
