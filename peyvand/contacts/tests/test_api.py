"""/api/v1/contacts and /api/v1/companies: CRUD, merge, duplicates; bad input is a 4xx."""

import pytest

from peyvand.contacts.models import Company, Contact, MergeRecord
from peyvand.core.national_ids import generate_national_id

from .factories import CompanyFactory, ContactFactory, PhoneFactory

pytestmark = pytest.mark.django_db


# --- List -------------------------------------------------------------------------------------


def test_list_returns_items_and_next_cursor(admin_api):
    for i in range(3):
        ContactFactory(last_name=f"فهرست{i}")
    first = admin_api.get("/api/v1/contacts", {"limit": 2, "sort": "name"})
    assert first.status_code == 200
    body = first.json()
    assert [item["last_name"] for item in body["items"]] == ["فهرست0", "فهرست1"]
    assert body["next_cursor"]
    second = admin_api.get(
        "/api/v1/contacts", {"limit": 2, "sort": "name", "cursor": body["next_cursor"]}
    ).json()
    assert [item["last_name"] for item in second["items"]] == ["فهرست2"]
    assert second["next_cursor"] is None


def test_list_filters(admin_api, admin_user):
    ContactFactory(last_name="مشتری", lifecycle_stage="customer", owner=admin_user)
    ContactFactory(last_name="سرنخ", lifecycle_stage="lead")
    items = admin_api.get("/api/v1/contacts", {"stage": "customer"}).json()["items"]
    assert [i["last_name"] for i in items] == ["مشتری"]
    items = admin_api.get("/api/v1/contacts", {"owner_id": admin_user.pk}).json()["items"]
    assert [i["last_name"] for i in items] == ["مشتری"]


def test_list_q_uses_search(admin_api, admin_user):
    admin_api.post(
        "/api/v1/contacts",
        {"first_name": "کیوان", "last_name": "نادری", "phones": [{"number": "09121269382"}]},
    )
    ContactFactory(last_name="دیگر")
    items = admin_api.get("/api/v1/contacts", {"q": "9382"}).json()["items"]
    assert [i["last_name"] for i in items] == ["نادری"]


def test_list_bad_cursor_is_400(admin_api):
    response = admin_api.get("/api/v1/contacts", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_list_bad_parameters_are_422(admin_api):
    assert admin_api.get("/api/v1/contacts", {"limit": 0}).status_code == 422
    assert admin_api.get("/api/v1/contacts", {"limit": 5000}).status_code == 422
    assert admin_api.get("/api/v1/contacts", {"owner_id": "abc"}).status_code == 422
    assert admin_api.get("/api/v1/contacts", {"stage": "vip"}).status_code == 422
    assert admin_api.get("/api/v1/contacts", {"q": "x" * 500}).status_code == 422


# --- Create -----------------------------------------------------------------------------------


def test_create_normalises_and_returns_201(admin_api, admin_user):
    national_id = generate_national_id("012345678")
    response = admin_api.post(
        "/api/v1/contacts",
        {
            "first_name": "علي",
            "last_name": "رضايي",
            "national_id": national_id,
            "birthday": "1370/05/12",
            "phones": [{"number": "۰۹۱۲ ۱۲۶ ۹۳۸۲", "kind": "mobile"}],
            "emails": [{"address": "Ali@Example.IR"}],
            "tags": ["ویژه"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["first_name"] == "علی"
    assert body["last_name"] == "رضایی"
    assert body["birthday"] == "1991-08-03"
    assert body["phones"][0]["number"] == "+989121269382"
    assert body["emails"][0]["address"] == "ali@example.ir"
    assert body["tags"] == ["ویژه"]
    assert body["owner_id"] == admin_user.pk
    assert body["url"] == f"/contacts/{body['id']}/"


def test_create_invalid_phone_is_422_with_field_error(admin_api):
    response = admin_api.post(
        "/api/v1/contacts", {"last_name": "x", "phones": [{"number": "0912 12"}]}
    )
    assert response.status_code == 422
    assert "phones.0.number" in response.json()["errors"]
    assert Contact.objects.count() == 0


def test_create_reports_service_errors_per_field(admin_api):
    response = admin_api.post(
        "/api/v1/contacts",
        {
            "last_name": "x",
            "national_id": "1234567890",
            "owner_id": 999999,
            "memberships": [{"company_id": 999999}],
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"national_id", "owner_id", "memberships.0.company_id"}


def test_create_wrong_types_and_missing_fields_are_422(admin_api):
    assert admin_api.post("/api/v1/contacts", {}).status_code == 422
    assert admin_api.post("/api/v1/contacts", {"last_name": 123}).status_code == 422
    assert (
        admin_api.post("/api/v1/contacts", {"last_name": "x", "phones": "0912"}).status_code == 422
    )
    assert (
        admin_api.post("/api/v1/contacts", {"last_name": "x", "tags": [{"a": 1}]}).status_code
        == 422
    )
    assert (
        admin_api.post("/api/v1/contacts", {"last_name": "x", "consent_sms": "maybe"}).status_code
        == 422
    )
    assert admin_api.post("/api/v1/contacts", [1, 2, 3]).status_code == 422
    assert Contact.objects.count() == 0


def test_create_absurd_lengths_are_422(admin_api):
    assert admin_api.post("/api/v1/contacts", {"last_name": "x" * 5000}).status_code == 422
    phones = [{"number": f"0912{1000000 + i:07d}"} for i in range(500)]
    assert (
        admin_api.post("/api/v1/contacts", {"last_name": "x", "phones": phones}).status_code == 422
    )


def test_malformed_json_is_a_client_error(admin_api):
    response = admin_api.client.post(
        "/api/v1/contacts", "{not json", content_type="application/json", headers=admin_api.headers
    )
    assert 400 <= response.status_code < 500


# --- Read, change, delete ---------------------------------------------------------------------


def test_get_returns_the_record(admin_api):
    contact = ContactFactory(first_name="مهدی")
    PhoneFactory(contact=contact, number="+989121269382")
    body = admin_api.get(f"/api/v1/contacts/{contact.pk}").json()
    assert body["id"] == contact.pk
    assert body["first_name"] == "مهدی"
    assert body["phones"][0]["number"] == "+989121269382"


def test_unknown_ids_are_404(admin_api):
    assert admin_api.get("/api/v1/contacts/999999").status_code == 404
    assert admin_api.patch("/api/v1/contacts/999999", {"job_title": "x"}).status_code == 404
    assert admin_api.delete("/api/v1/contacts/999999").status_code == 404
    assert admin_api.get("/api/v1/companies/999999").status_code == 404
    assert admin_api.get("/api/v1/contacts/abc").status_code in (404, 422)


def test_patch_changes_only_sent_fields(admin_api):
    contact = ContactFactory(first_name="سارا", job_title="")
    PhoneFactory(contact=contact, number="+989121269382")
    response = admin_api.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": "مدير"})
    assert response.status_code == 200
    body = response.json()
    assert body["job_title"] == "مدیر"
    assert body["first_name"] == "سارا"
    assert len(body["phones"]) == 1
    replaced = admin_api.patch(
        f"/api/v1/contacts/{contact.pk}", {"phones": [{"number": "09123334455"}]}
    ).json()
    assert [p["number"] for p in replaced["phones"]] == ["+989123334455"]


def test_patch_invalid_is_422_and_changes_nothing(admin_api):
    contact = ContactFactory(first_name="سارا")
    response = admin_api.patch(
        f"/api/v1/contacts/{contact.pk}", {"first_name": "نو", "emails": [{"address": "bad"}]}
    )
    assert response.status_code == 422
    assert "emails.0.address" in response.json()["errors"]
    contact.refresh_from_db()
    assert contact.first_name == "سارا"
    assert (
        admin_api.patch(f"/api/v1/contacts/{contact.pk}", {"lifecycle_stage": "vip"}).status_code
        == 422
    )


def test_delete_soft_deletes(admin_api):
    contact = ContactFactory()
    assert admin_api.delete(f"/api/v1/contacts/{contact.pk}").status_code == 204
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert admin_api.get(f"/api/v1/contacts/{contact.pk}").status_code == 404


# --- Merge and duplicates ---------------------------------------------------------------------


def test_merge_endpoint_moves_rows_and_can_be_undone(admin_api):
    survivor, duplicate = ContactFactory(), ContactFactory(job_title="مدیر")
    phone = PhoneFactory(contact=duplicate, number="+989121269382")
    response = admin_api.post(
        f"/api/v1/contacts/{survivor.pk}/merge", {"duplicate_id": duplicate.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor_id"] == survivor.pk and body["merged_id"] == duplicate.pk
    phone.refresh_from_db()
    assert phone.contact_id == survivor.pk
    assert admin_api.get(f"/api/v1/contacts/{duplicate.pk}").status_code == 404
    assert admin_api.post(f"/api/v1/merges/{body['merge_id']}/undo").status_code == 204
    phone.refresh_from_db()
    assert phone.contact_id == duplicate.pk
    assert admin_api.post(f"/api/v1/merges/{body['merge_id']}/undo").status_code == 422


def test_merge_endpoint_bad_input(admin_api):
    contact, other = ContactFactory(), ContactFactory()
    url = f"/api/v1/contacts/{contact.pk}/merge"
    assert admin_api.post(url, {"duplicate_id": contact.pk}).status_code == 422
    assert admin_api.post(url, {"duplicate_id": 999999}).status_code == 404
    assert admin_api.post(url, {"duplicate_id": "x"}).status_code == 422
    assert admin_api.post(url, {}).status_code == 422
    bad_choice = admin_api.post(
        url, {"duplicate_id": other.pk, "field_choices": {"id": "duplicate"}}
    )
    assert bad_choice.status_code == 422
    assert (
        admin_api.post(
            url, {"duplicate_id": other.pk, "field_choices": {"last_name": "both"}}
        ).status_code
        == 422
    )
    assert MergeRecord.objects.count() == 0
    assert admin_api.post("/api/v1/merges/999999/undo").status_code == 404


def test_duplicates_check(admin_api):
    contact = ContactFactory(first_name="تکراری")
    PhoneFactory(contact=contact, number="+989121269382")
    response = admin_api.post(
        "/api/v1/contacts/duplicates", {"phones": ["0912 126 9382"], "emails": []}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["hidden"] == 0
    assert [(i["id"], i["reasons"]) for i in body["items"]] == [(contact.pk, ["phone"])]
    assert admin_api.post("/api/v1/contacts/duplicates", {"phones": "x"}).status_code == 422


# --- Companies --------------------------------------------------------------------------------


def test_company_crud(admin_api):
    created = admin_api.post(
        "/api/v1/companies",
        {
            "name": "شركت امگا",
            "website": "omega.ir",
            "phones": [{"number": "02188887777", "kind": "work"}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "شرکت امگا"
    assert body["website"] == "https://omega.ir"
    company_id = body["id"]
    assert admin_api.get("/api/v1/companies").json()["items"][0]["id"] == company_id
    patched = admin_api.patch(f"/api/v1/companies/{company_id}", {"industry": "بيمه"})
    assert patched.json()["industry"] == "بیمه"
    assert (
        admin_api.patch(f"/api/v1/companies/{company_id}", {"employee_count": -1}).status_code
        == 422
    )
    assert (
        admin_api.post("/api/v1/companies", {"name": "x", "national_id": "123"}).status_code == 422
    )
    assert admin_api.delete(f"/api/v1/companies/{company_id}").status_code == 204
    assert Company.objects.alive().count() == 0


def test_company_merge(admin_api):
    survivor, duplicate = CompanyFactory(), CompanyFactory()
    response = admin_api.post(
        f"/api/v1/companies/{survivor.pk}/merge", {"duplicate_id": duplicate.pk}
    )
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk


def test_ids_too_large_for_the_database_are_client_errors(admin_api):
    big = 10**30
    assert admin_api.get(f"/api/v1/contacts/{big}").status_code in (404, 422)
    assert admin_api.get("/api/v1/contacts", {"owner_id": big}).status_code == 422
    assert (
        admin_api.post("/api/v1/contacts", {"last_name": "x", "owner_id": big}).status_code == 422
    )
    assert (
        admin_api.post(
            "/api/v1/contacts", {"last_name": "x", "memberships": [{"company_id": big}]}
        ).status_code
        == 422
    )
    assert admin_api.post("/api/v1/contacts/duplicates", {"exclude_id": big}).status_code == 422
    contact = ContactFactory()
    assert (
        admin_api.post(f"/api/v1/contacts/{contact.pk}/merge", {"duplicate_id": big}).status_code
        == 422
    )
