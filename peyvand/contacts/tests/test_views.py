"""The contact and company pages: lists, forms, the 360 page, merge and undo."""

import datetime as dt

import pytest
from django.urls import reverse

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts import panels
from peyvand.contacts.models import Company, Contact, MergeRecord
from peyvand.contacts.services import ContactInput, create_contact, merge_contacts

from .factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    EmailFactory,
    MembershipFactory,
    PhoneFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def _formset_data(prefix: str, rows: list[dict], extra: int = 1) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def contact_post(**fields) -> dict:
    phones = fields.pop("phones", [])
    emails = fields.pop("emails", [])
    data = {"last_name": "رضایی", "lifecycle_stage": "lead", "consent_call": "on", **fields}
    data.update(_formset_data("phones", [{"number": n, "kind": "mobile"} for n in phones]))
    data.update(_formset_data("emails", [{"address": a, "kind": "work"} for a in emails]))
    data.update(_formset_data("addresses", []))
    data.update(_formset_data("memberships", []))
    return data


# --- Lists ------------------------------------------------------------------------------------


def test_list_shows_columns_and_filters_by_stage_and_tag(admin_client, admin_user):
    vip = TagFactory(name="ویژه")
    customer = ContactFactory(
        first_name="مریم",
        last_name="کریمی",
        lifecycle_stage="customer",
        owner=admin_user,
        primary_phone="+989121269382",
        primary_email="maryam@example.ir",
    )
    customer.tags.add(vip)
    MembershipFactory(contact=customer, company=CompanyFactory(name="شرکت آلفا"), is_primary=True)
    ContactFactory(first_name="حسین", last_name="جعفری", lifecycle_stage="lead")

    page = admin_client.get(reverse("contacts:contact_list")).content.decode()
    assert "مریم کریمی" in page and "حسین جعفری" in page
    assert "۰۹۱۲ ۱۲۶ ۹۳۸۲" in page
    assert "شرکت آلفا" in page
    assert "stage-customer" in page

    by_stage = admin_client.get(reverse("contacts:contact_list"), {"stage": "customer"})
    assert "مریم کریمی" in by_stage.content.decode()
    assert "حسین جعفری" not in by_stage.content.decode()
    by_tag = admin_client.get(reverse("contacts:contact_list"), {"tag": "ويژه"})
    assert "مریم کریمی" in by_tag.content.decode()
    assert "حسین جعفری" not in by_tag.content.decode()
    by_owner = admin_client.get(reverse("contacts:contact_list"), {"owner": admin_user.pk})
    assert "حسین جعفری" not in by_owner.content.decode()


def test_list_sorts_by_name(admin_client):
    ContactFactory(first_name="", last_name="ی‌آخر")
    ContactFactory(first_name="", last_name="الف‌اول")
    page = admin_client.get(reverse("contacts:contact_list"), {"sort": "name"}).content.decode()
    assert page.index("الف‌اول") < page.index("ی‌آخر")


def test_list_keyset_pager_next_link_walks_all_rows(admin_client):
    contacts = [ContactFactory(last_name=f"فرد{i:03d}") for i in range(53)]
    first = admin_client.get(reverse("contacts:contact_list"), {"sort": "name"})
    assert first.context["page"].has_next
    assert len(first.context["page"].items) == 50
    assert 'rel="next"' in first.content.decode()
    cursor = first.context["page"].next_cursor
    second = admin_client.get(reverse("contacts:contact_list"), {"sort": "name", "cursor": cursor})
    assert [c.pk for c in second.context["page"].items] == [c.pk for c in contacts[50:]]
    assert not second.context["page"].has_next


def test_list_with_a_broken_cursor_starts_over(admin_client):
    response = admin_client.get(
        reverse("contacts:contact_list"), {"cursor": "!!not-a-cursor", "stage": "lead"}
    )
    assert response.status_code == 302
    assert "cursor" not in response["Location"]
    assert "stage=lead" in response["Location"]


def test_list_htmx_request_returns_only_the_results(admin_client):
    ContactFactory(last_name="نتیجه")
    response = admin_client.get(
        reverse("contacts:contact_list"), headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert "نتیجه" in body
    assert "<html" not in body


def test_list_uses_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(30):
        contact = ContactFactory(owner=UserFactory())
        MembershipFactory(contact=contact, is_primary=True)
    # Session, user, role and sharing lookups plus two queries for the rows; no COUNT.
    with django_assert_max_num_queries(12) as captured:
        admin_client.get(reverse("contacts:contact_list"))
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_company_list_and_detail(admin_client):
    company = CompanyFactory(name="شرکت بتا", industry="بازرگانی")
    person = ContactFactory(first_name="نرگس", last_name="رحیمی")
    MembershipFactory(contact=person, company=company, title="مدیرعامل")
    listing = admin_client.get(reverse("contacts:company_list")).content.decode()
    assert "شرکت بتا" in listing
    detail = admin_client.get(
        reverse("contacts:company_detail", args=[company.pk])
    ).content.decode()
    assert "نرگس رحیمی" in detail and "مدیرعامل" in detail
    assert reverse("contacts:contact_create") + f"?company={company.pk}" in detail


# --- Create and edit --------------------------------------------------------------------------


def test_create_contact_normalises_and_redirects(admin_client):
    response = admin_client.post(
        reverse("contacts:contact_create"),
        contact_post(
            first_name="علي", phones=["۰۹۱۲ ۱۲۶ ۹۳۸۲"], emails=["Ali@Example.IR"], tags="الف، ب"
        ),
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[contact.pk])
    assert contact.first_name == "علی"
    assert contact.primary_phone == "+989121269382"
    assert contact.primary_email == "ali@example.ir"
    assert sorted(contact.tags.values_list("name", flat=True)) == ["الف", "ب"]


def test_create_form_shows_persian_errors_next_to_the_field(admin_client):
    response = admin_client.post(
        reverse("contacts:contact_create"),
        contact_post(
            last_name="", national_id="1234567890", phones=["0912 12"], birthday="1403/14/01"
        ),
    )
    assert response.status_code == 200
    assert Contact.objects.count() == 0
    editor = response.context["editor"]
    assert editor.form.errors["last_name"] == ["این فیلد لازم است."]
    assert editor.form.errors["national_id"] == ["کد ملی ۱۰ رقمی معتبر وارد کنید."]
    assert "تاریخ معتبر وارد کنید" in editor.form.errors["birthday"][0]
    assert editor.formsets["phones"].forms[0].errors["number"] == ["شمارهٔ تلفن معتبر نیست."]
    html = response.content.decode()
    # The message is rendered inside the field's own block.
    field_html = html[html.index('name="phones-0-number"') :]
    assert field_html.index("شمارهٔ تلفن معتبر نیست.") < field_html.index('name="phones-0-kind"')


def test_create_form_in_english_for_english_users(client):
    from peyvand.accounts.tests.factories import RoleFactory

    user = UserFactory(role=RoleFactory(name="Administrator"), language="en")
    client.force_login(user)
    response = client.post(reverse("contacts:contact_create"), contact_post(phones=["12"]))
    html = response.content.decode()
    assert "Enter a valid phone number." in html
    assert "شمارهٔ تلفن معتبر نیست." not in html


def test_duplicate_warning_before_saving(admin_client):
    existing = ContactFactory(first_name="زهرا", last_name="محمدی")
    PhoneFactory(contact=existing, number="+989121269382")
    response = admin_client.post(
        reverse("contacts:contact_create"), contact_post(last_name="محمدی", phones=["09121269382"])
    )
    assert response.status_code == 200
    assert Contact.objects.count() == 1
    html = response.content.decode()
    assert "warning-box" in html
    assert "زهرا محمدی" in html
    assert "شمارهٔ تلفن یکسان" in html
    assert existing.get_absolute_url() in html
    assert f'name="merge_into" value="{existing.pk}"' in html

    anyway = admin_client.post(
        reverse("contacts:contact_create"),
        contact_post(last_name="محمدی", phones=["09121269382"], create_anyway="on"),
    )
    assert anyway.status_code == 302
    assert Contact.objects.count() == 2


def test_duplicate_warning_merge_into_existing(admin_client):
    existing = ContactFactory(first_name="زهرا", last_name="محمدی", job_title="")
    PhoneFactory(contact=existing, number="+989121269382")
    response = admin_client.post(
        reverse("contacts:contact_create"),
        contact_post(
            last_name="محمدی",
            job_title="حسابدار",
            phones=["09121269382", "09123334455"],
            merge_into=str(existing.pk),
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == existing.get_absolute_url()
    existing.refresh_from_db()
    assert existing.job_title == "حسابدار"
    assert existing.phones.filter(number="+989123334455").exists()
    assert Contact.objects.alive().count() == 1


def test_edit_form_is_prefilled_and_saves(admin_client):
    contact = ContactFactory(first_name="رضا", last_name="احمدی", birthday=dt.date(1991, 8, 3))
    phone = PhoneFactory(contact=contact, number="+989121269382", is_primary=True)
    url = reverse("contacts:contact_edit", args=[contact.pk])
    page = admin_client.get(url).content.decode()
    assert 'value="احمدی"' in page
    assert "۱۳۷۰/۰۵/۱۲" in page
    assert 'value="+989121269382"' in page

    data = contact_post(last_name="احمدی‌نژاد", birthday="1370/05/12")
    data.update(
        {
            "phones-TOTAL_FORMS": "2",
            "phones-INITIAL_FORMS": "1",
            "phones-0-id": str(phone.pk),
            "phones-0-number": "09121269382",
            "phones-0-kind": "work",
            "phones-0-is_primary": "on",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    contact.refresh_from_db()
    phone.refresh_from_db()
    assert contact.last_name == "احمدی‌نژاد"
    assert phone.kind == "work"


def test_edit_ignores_itself_as_a_duplicate(admin_client):
    contact = ContactFactory()
    PhoneFactory(contact=contact, number="+989121269382")
    response = admin_client.post(
        reverse("contacts:contact_edit", args=[contact.pk]),
        contact_post(last_name="همان", phones=["09121269382"]),
    )
    assert response.status_code == 302


def test_create_company(admin_client):
    data = {"name": "شركت گاما", "lifecycle_stage": "lead", "website": "gamma.ir"}
    for prefix in ("phones", "emails", "addresses"):
        data.update(_formset_data(prefix, []))
    data.update({"phones-0-number": "021 8888 7777", "phones-0-kind": "work"})
    response = admin_client.post(reverse("contacts:company_create"), data)
    company = Company.objects.get()
    assert response.status_code == 302
    assert company.name == "شرکت گاما"
    assert company.primary_phone == "+982188887777"


def test_new_person_from_a_company_page_is_linked_to_it(admin_client):
    company = CompanyFactory(name="شرکت دلتا")
    page = admin_client.get(reverse("contacts:contact_create"), {"company": company.pk})
    assert 'value="شرکت دلتا"' in page.content.decode()
    data = contact_post()
    data.update(_formset_data("memberships", [{"company": "شرکت دلتا", "title": "کارشناس"}]))
    assert admin_client.post(reverse("contacts:contact_create"), data).status_code == 302
    assert Contact.objects.get().memberships.get().company == company


# --- 360 page ---------------------------------------------------------------------------------


def _rich_contact(owner, size: int) -> Contact:
    contact = create_contact(
        user=owner,
        data=ContactInput(
            first_name="فاطمه",
            last_name="حسینی",
            first_name_latin="Fatemeh",
            last_name_latin="Hosseini",
            birthday=dt.date(1991, 8, 3),
            source="instagram",
            tags=[f"برچسب{i}" for i in range(size)],
            phones=[f"0912{1000000 + i:07d}" for i in range(size)],
            emails=[f"f{i}@example.ir" for i in range(size)],
        ),
    )
    for _ in range(size):
        AddressFactory(contact=contact)
        MembershipFactory(contact=contact)
    return contact


def test_contact_360_shows_details_companies_and_history(admin_client, admin_user):
    from peyvand.contacts.services import update_contact

    contact = _rich_contact(admin_user, 2)
    update_contact(contact, user=admin_user, data=ContactInput(job_title="حسابدار ارشد"))
    company = contact.memberships.first().company
    html = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "فاطمه حسینی" in html and "Fatemeh Hosseini" in html
    assert 'href="tel:+989121000000"' in html
    assert 'href="mailto:f0@example.ir"' in html
    assert "۱۳۷۰/۰۵/۱۲" in html
    assert "اینستاگرام" in html
    assert company.name in html
    assert "تاریخچهٔ تغییرات" in html
    history = html[html.index('id="history"') :]
    # Who changed which field (by its translated name), from what to what.
    assert "عنوان شغلی" in history
    assert "حسابدار ارشد" in history
    assert admin_user.get_full_name() in history
    assert "تلفن: ۰۹۱۲ ۱۰۰ ۰۰۰۰" in history  # a phone's creation, shown by its number


def test_contact_360_query_count_does_not_grow_with_the_record(
    admin_client, admin_user, django_assert_max_num_queries, monkeypatch
):
    small = _rich_contact(admin_user, 1)
    big = _rich_contact(admin_user, 8)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client.get(reverse("contacts:contact_detail", args=[small.pk]))  # warm caches
    counts = []
    for contact in (small, big):
        with CaptureQueriesContext(connection) as captured:
            assert (
                admin_client.get(reverse("contacts:contact_detail", args=[contact.pk])).status_code
                == 200
            )
        counts.append(len(captured.captured_queries))
    # The history may name an owner for the small record; the big one costs nothing more.
    assert counts[1] <= counts[0]
    monkeypatch.setattr(panels, "_PANELS", {})
    with django_assert_max_num_queries(20):
        admin_client.get(reverse("contacts:contact_detail", args=[big.pk]))


def test_contact_360_renders_registered_panels_with_their_context(
    admin_client, settings, monkeypatch
):
    template = dict(settings.TEMPLATES[0])
    template["APP_DIRS"] = False
    template["OPTIONS"] = {
        **template["OPTIONS"],
        "loaders": [
            (
                "django.template.loaders.locmem.Loader",
                {"test/panel.html": "<p>panel:{{ greeting }}:{{ record.pk }}</p>"},
            ),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [template]
    monkeypatch.setattr(panels, "_PANELS", {})
    panels.register_panel(
        panels.Panel(
            key="greeting",
            title="سلام",
            template="test/panel.html",
            context=lambda request, record: {"greeting": "درود", "record": record},
            column="side",
        )
    )
    contact = ContactFactory()
    html = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert f"<p>panel:درود:{contact.pk}</p>" in html
    assert 'id="panel-greeting"' in html


def test_history_partial_pages_with_a_cursor(admin_client, admin_user):
    contact = create_contact(user=admin_user, data=ContactInput(last_name="تاریخچه"))
    from peyvand.contacts.services import update_contact

    for i in range(25):
        update_contact(contact, user=admin_user, data=ContactInput(job_title=f"سمت {i}"))
    page = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    history_page = page.context["history_page"]
    assert history_page.has_next
    more = admin_client.get(
        reverse("contacts:contact_history", args=[contact.pk]), {"cursor": history_page.next_cursor}
    )
    assert more.status_code == 200
    assert "سمت 0" in more.content.decode() or "سمت ۰" in more.content.decode()
    bad = admin_client.get(
        reverse("contacts:contact_history", args=[contact.pk]), {"cursor": "%%%"}
    )
    assert bad.status_code == 400


def test_merged_record_redirects_to_survivor(admin_client, admin_user):
    survivor, duplicate = ContactFactory(), ContactFactory()
    merge_contacts(survivor, duplicate, user=admin_user)
    response = admin_client.get(reverse("contacts:contact_detail", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response["Location"] == survivor.get_absolute_url()


# --- Merge ------------------------------------------------------------------------------------


def test_merge_page_compares_and_merges_then_undo(admin_client):
    survivor = ContactFactory(first_name="علی", last_name="رضایی", job_title="")
    duplicate = ContactFactory(first_name="علی", last_name="رضائی", job_title="مهندس")
    PhoneFactory(contact=duplicate, number="+989121269382")
    EmailFactory(contact=survivor)
    url = reverse("contacts:contact_merge", args=[survivor.pk])

    picker = admin_client.get(url)
    assert picker.status_code == 200
    compare = admin_client.get(url, {"duplicate": duplicate.pk})
    html = compare.content.decode()
    assert 'name="last_name" value="duplicate"' in html
    assert "رضائی" in html and "مهندس" in html

    response = admin_client.post(
        url,
        {
            "duplicate": duplicate.pk,
            "last_name": "survivor",
            "job_title": "duplicate",
            "national_id": "survivor",
            "last_name_latin": "survivor",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == survivor.get_absolute_url()
    survivor.refresh_from_db()
    assert survivor.job_title == "مهندس"
    assert survivor.last_name == "رضایی"
    assert survivor.phones.filter(number="+989121269382").exists()

    detail = admin_client.get(survivor.get_absolute_url()).content.decode()
    record = MergeRecord.objects.get()
    undo_url = reverse("contacts:merge_undo", args=[record.pk])
    assert undo_url in detail
    assert admin_client.post(undo_url).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert duplicate.phones.filter(number="+989121269382").exists()


def test_merge_page_suggests_duplicates(admin_client):
    survivor = ContactFactory()
    other = ContactFactory(first_name="پیشنهاد", last_name="تکراری")
    PhoneFactory(contact=survivor, number="+989121269382")
    PhoneFactory(contact=other, number="+989121269382")
    html = admin_client.get(reverse("contacts:contact_merge", args=[survivor.pk])).content.decode()
    assert "پیشنهاد تکراری" in html
    assert f"?duplicate={other.pk}" in html


def test_merge_a_record_with_itself_is_refused(admin_client):
    contact = ContactFactory()
    url = reverse("contacts:contact_merge", args=[contact.pk])
    response = admin_client.post(url, {"duplicate": contact.pk})
    assert response.status_code == 302
    assert MergeRecord.objects.count() == 0


def test_delete_soft_deletes(admin_client):
    contact = ContactFactory()
    response = admin_client.post(reverse("contacts:contact_delete", args=[contact.pk]))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert admin_client.get(contact.get_absolute_url()).status_code == 404


def test_company_merge_page(admin_client):
    survivor, duplicate = CompanyFactory(industry=""), CompanyFactory(industry="بیمه")
    url = reverse("contacts:company_merge", args=[survivor.pk])
    assert "بیمه" in admin_client.get(url, {"duplicate": duplicate.pk}).content.decode()
    response = admin_client.post(url, {"duplicate": duplicate.pk})
    assert response.status_code == 302
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert survivor.industry == "بیمه"
    assert duplicate.merged_into_id == survivor.pk


def test_api_schema_lists_contact_endpoints(admin_client):
    paths = admin_client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/contacts/{id}/merge",
        "/api/v1/contacts/duplicates",
        "/api/v1/companies",
        "/api/v1/companies/{id}",
    ):
        assert path in paths


def test_ids_too_large_for_the_database_are_not_errors(admin_client):
    big = "9" * 30
    assert admin_client.get(f"/contacts/{big}/").status_code == 404
    assert (
        admin_client.get(
            reverse("contacts:contact_list"), {"owner": big, "team": big, "company": big}
        ).status_code
        == 200
    )
    assert admin_client.get(reverse("contacts:contact_create"), {"company": big}).status_code == 200
    contact = ContactFactory()
    merge = admin_client.get(
        reverse("contacts:contact_merge", args=[contact.pk]), {"duplicate": big}
    )
    assert merge.status_code == 404
