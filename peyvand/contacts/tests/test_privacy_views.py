"""Trash, export and erasure pages and API routes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from peyvand.contacts import services
from peyvand.contacts.models import Company, Contact

from .factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def deleted_contact(user, **kw) -> Contact:
    contact = ContactFactory(**kw)
    return services.soft_delete_contact(contact, user=user)


def test_trash_lists_deleted_records_with_who_and_when(admin_client, admin_user):
    gone = deleted_contact(admin_user, first_name="Parvin", last_name="Etesami")
    ContactFactory(first_name="Alive", last_name="Person")
    erased = deleted_contact(admin_user, last_name="Erased")
    Contact.objects.filter(pk=erased.pk).update(erased_at=erased.deleted_at)

    response = admin_client.get(reverse("contacts:trash"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Parvin Etesami" in html
    assert admin_user.get_full_name() in html
    assert "Alive Person" not in html
    assert reverse("contacts:trash_restore", args=["contact", gone.pk]) in html
    assert reverse("contacts:trash_restore", args=["contact", erased.pk]) not in html


def test_trash_pages_through_companies(admin_client, admin_user):
    for n in range(3):
        services.soft_delete_company(CompanyFactory(name=f"Gone Co {n}"), user=admin_user)
    response = admin_client.get(reverse("contacts:trash"), {"kind": "company"})
    assert response.content.decode().count("Gone Co") == 3
    response = admin_client.get(reverse("contacts:trash"), {"kind": "company", "cursor": "junk"})
    assert response.status_code == 302


def test_trash_needs_delete_permission(client, readonly_user):
    client.force_login(readonly_user)
    assert client.get(reverse("contacts:trash")).status_code == 403


def test_restore_from_trash(admin_client, admin_user):
    contact = deleted_contact(admin_user)
    url = reverse("contacts:trash_restore", args=["contact", contact.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.deleted_at is None and contact.deleted_by is None
    # Not in the trash any more.
    assert admin_client.post(url).status_code == 404


def test_restore_unknown_kind_is_404(admin_client, admin_user):
    contact = deleted_contact(admin_user)
    url = reverse("contacts:trash_restore", args=["deal", contact.pk])
    assert admin_client.post(url).status_code == 404


def test_erase_page_requires_the_name(admin_client, admin_user):
    contact = ContactFactory(first_name="Parvin", last_name="Etesami", national_id="")
    url = reverse("contacts:erase", args=["contact", contact.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Parvin Etesami" in page.content.decode()

    wrong = admin_client.post(url, {"confirmation": "Parvin"})
    assert wrong.status_code == 400
    contact.refresh_from_db()
    assert contact.erased_at is None

    done = admin_client.post(url, {"confirmation": "parvin etesami"})
    assert done.status_code == 302
    contact.refresh_from_db()
    assert contact.erased_at is not None and contact.first_name == ""
    # Erased: no page, no second erasure.
    assert admin_client.get(url).status_code == 404
    assert admin_client.get(contact.get_absolute_url()).status_code == 404


def test_erase_needs_delete_permission(client, readonly_user):
    contact = ContactFactory()
    client.force_login(readonly_user)
    url = reverse("contacts:erase", args=["contact", contact.pk])
    assert client.post(url, {"confirmation": contact.full_name}).status_code == 403
    contact.refresh_from_db()
    assert contact.erased_at is None


def test_contact_page_links_to_export_and_erase(admin_client):
    contact = ContactFactory()
    html = admin_client.get(contact.get_absolute_url()).content.decode()
    assert reverse("contacts:erase", args=["contact", contact.pk]) in html
    assert reverse("contacts:export", args=["contact", contact.pk]) in html
    assert (
        reverse("contacts:trash")
        in admin_client.get(reverse("contacts:contact_list")).content.decode()
    )


def test_export_download(admin_client):
    contact = ContactFactory(last_name="Etesami")
    response = admin_client.get(reverse("contacts:export", args=["contact", contact.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("customer.json"))
    assert document["sections"]["customer"]["record"]["last_name"] == "Etesami"


def test_api_trash_restore_export_erase(admin_api, admin_user):
    contact = deleted_contact(admin_user, first_name="Parvin", last_name="Etesami")
    listed = admin_api.get("/api/v1/trash", {"kind": "contact"})
    assert listed.status_code == 200
    item = listed.json()["items"][0]
    assert item["id"] == contact.pk and item["name"] == "Parvin Etesami"
    assert item["deleted_by"]

    assert admin_api.post(f"/api/v1/trash/contact/{contact.pk}/restore").status_code == 204
    assert admin_api.get("/api/v1/trash", {"kind": "contact"}).json()["items"] == []

    export = admin_api.get(f"/api/v1/contacts/{contact.pk}/export")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"

    refused = admin_api.post(f"/api/v1/contacts/{contact.pk}/erase", {"confirmation": "x"})
    assert refused.status_code == 422
    assert "confirmation" in refused.json()["errors"]
    erased = admin_api.post(
        f"/api/v1/contacts/{contact.pk}/erase", {"confirmation": "Parvin Etesami"}
    )
    assert erased.status_code == 204
    assert (
        admin_api.post(
            f"/api/v1/contacts/{contact.pk}/erase", {"confirmation": "Parvin Etesami"}
        ).status_code
        == 404
    )


def test_api_company_erase_and_permissions(admin_api, api_for, readonly_user):
    company = CompanyFactory(name="Etesami Trading")
    readonly = api_for(readonly_user)
    assert readonly.get("/api/v1/trash").status_code == 403
    assert (
        readonly.post(
            f"/api/v1/companies/{company.pk}/erase", {"confirmation": "Etesami Trading"}
        ).status_code
        == 403
    )
    assert admin_api.get(f"/api/v1/companies/{company.pk}/export").status_code == 200
    assert (
        admin_api.post(
            f"/api/v1/companies/{company.pk}/erase", {"confirmation": "Etesami Trading"}
        ).status_code
        == 204
    )
    assert Company.objects.get(pk=company.pk).erased_at is not None
