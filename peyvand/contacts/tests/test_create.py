"""Creating and changing records: everything is normalised at the door, in one transaction."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from peyvand.accounts.tests.factories import TeamFactory, UserFactory
from peyvand.contacts import services, signals
from peyvand.contacts.models import Company, Contact, Phone, Tag
from peyvand.contacts.services import (
    AddressInput,
    CompanyInput,
    ContactInput,
    EmailInput,
    PhoneInput,
)
from peyvand.core.national_ids import generate_company_national_id, generate_national_id
from peyvand.search.models import SearchEntry

from .factories import CompanyFactory, ContactFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(team=TeamFactory(name="فروش"))


def test_create_contact_normalises_phone_email_and_persian_text(user):
    national_id = generate_national_id("012345678")
    persian_digits_id = national_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    contact = services.create_contact(
        user=user,
        data=ContactInput(
            first_name="  علي  ",
            last_name="كريمي",
            first_name_latin=" Ali ",
            national_id=persian_digits_id,
            phones=[("۰۹۱۲ ۱۲۶ ۹۳۸۲", "mobile", False)],
            emails=["  Ali.Karimi@Example.IR "],
            addresses=[AddressInput(province="تهران", city="تهران", postal_code="۱۲۳۴۵-۶۷۸۹۰")],
            tags="مشتري ويژه، نمایشگاه , نمایشگاه",
            birthday="۱۳۷۰/۰۵/۱۲",
        ),
    )
    contact.refresh_from_db()
    assert contact.first_name == "علی"
    assert contact.last_name == "کریمی"
    assert contact.first_name_latin == "Ali"
    assert contact.national_id == national_id
    assert contact.birthday == dt.date(1991, 8, 3)
    assert list(contact.phones.values_list("number", flat=True)) == ["+989121269382"]
    assert list(contact.emails.values_list("address", flat=True)) == ["ali.karimi@example.ir"]
    assert contact.addresses.get().postal_code == "1234567890"
    assert sorted(contact.tags.values_list("name", flat=True)) == sorted(["مشتری ویژه", "نمایشگاه"])


def test_create_keeps_denormalised_primary_fields(user):
    contact = services.create_contact(
        user=user,
        data=ContactInput(
            last_name="رضایی",
            phones=[PhoneInput("09121111111"), PhoneInput("09122222222", is_primary=True)],
            emails=[EmailInput("first@example.ir")],
            addresses=[AddressInput(province="فارس", city="شیراز", is_primary=True)],
        ),
    )
    assert contact.primary_phone == "+989122222222"
    assert contact.primary_email == "first@example.ir"
    assert (contact.province, contact.city) == ("فارس", "شیراز")
    # Exactly one primary row per kind.
    assert list(contact.phones.filter(is_primary=True).values_list("number", flat=True)) == [
        "+989122222222"
    ]


def test_create_defaults_owner_and_team_to_the_user(user):
    contact = services.create_contact(user=user, data=ContactInput(last_name="احمدی"))
    assert contact.owner == user
    assert contact.team == user.team
    assert contact.created_by == user


def test_invalid_input_reports_every_field_and_saves_nothing(user):
    with pytest.raises(ValidationError) as info:
        services.create_contact(
            user=user,
            data=ContactInput(
                last_name="",
                phones=["0912 12"],
                emails=["not-an-email"],
                national_id="1234567890",
                birthday="1403/13/40",
            ),
        )
    errors = info.value.message_dict
    assert set(errors) == {
        "last_name",
        "phones.0.number",
        "emails.0.address",
        "national_id",
        "birthday",
    }
    assert Contact.objects.count() == 0
    assert Phone.objects.count() == 0


def test_same_phone_typed_twice_is_stored_once(user):
    contact = services.create_contact(
        user=user, data=ContactInput(last_name="موسوی", phones=["09121269382", "+98 912 126 9382"])
    )
    assert contact.phones.count() == 1


def test_update_keeps_unchanged_rows_and_replaces_the_rest(user):
    contact = services.create_contact(
        user=user, data=ContactInput(last_name="جعفری", phones=["09121111111", "09122222222"])
    )
    kept = contact.phones.get(number="+989121111111")
    services.update_contact(
        contact, user=user, data=ContactInput(phones=["0912 111 1111", "09123333333"])
    )
    assert sorted(contact.phones.values_list("number", flat=True)) == [
        "+989121111111",
        "+989123333333",
    ]
    assert contact.phones.get(number="+989121111111").pk == kept.pk


def test_partial_update_changes_only_given_fields(user):
    contact = services.create_contact(
        user=user, data=ContactInput(first_name="سارا", last_name="صادقی", phones=["09121111111"])
    )
    services.update_contact(contact, user=user, data=ContactInput(job_title="مدیر خريد"))
    contact.refresh_from_db()
    assert contact.first_name == "سارا"
    assert contact.job_title == "مدیر خرید"
    assert contact.phones.count() == 1


def test_stage_change_emits_signal(user):
    contact = ContactFactory(owner=user)
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["old_stage"], kwargs["new_stage"], kwargs["user"]))

    signals.stage_changed.connect(listener)
    try:
        services.change_stage(contact, "customer", user=user)
        services.update_contact(contact, user=user, data=ContactInput(lifecycle_stage="loyal"))
    finally:
        signals.stage_changed.disconnect(listener)
    assert received == [("lead", "customer", user), ("customer", "loyal", user)]


def test_unknown_stage_is_rejected(user):
    with pytest.raises(ValidationError):
        services.change_stage(ContactFactory(), "vip", user=user)


def test_audit_log_records_the_actor_outside_a_request(user):
    contact = services.create_contact(user=user, data=ContactInput(last_name="کریمی"))
    entry = LogEntry.objects.get_for_object(contact).get()
    assert entry.actor == user
    services.update_contact(contact, user=user, data=ContactInput(phones=["09121269382"]))
    phone_entry = LogEntry.objects.get_for_object(contact.phones.get()).get()
    assert phone_entry.actor == user
    assert phone_entry.additional_data == {"contact_id": contact.pk, "company_id": None}


def test_search_entry_follows_create_update_delete_and_restore(user):
    contact = services.create_contact(
        user=user, data=ContactInput(first_name="زهرا", last_name="رحیمی", phones=["09121269382"])
    )
    entry = SearchEntry.objects.get(kind="contact", object_id=contact.pk)
    assert entry.title == "زهرا رحیمی"
    assert "989121269382" in entry.terms.split()
    services.update_contact(contact, user=user, data=ContactInput(last_name="رحيمي نژاد"))
    assert SearchEntry.objects.get(kind="contact", object_id=contact.pk).title == "زهرا رحیمی نژاد"
    services.soft_delete_contact(contact, user=user)
    assert contact.deleted_at is not None
    assert not SearchEntry.objects.filter(kind="contact", object_id=contact.pk).exists()
    assert not Contact.objects.visible_to(user).filter(pk=contact.pk).exists()
    services.restore_contact(contact, user=user)
    assert SearchEntry.objects.filter(kind="contact", object_id=contact.pk).exists()


def test_memberships_only_link_companies_the_user_can_see(user):
    company = CompanyFactory()
    contact = services.create_contact(
        user=user, data=ContactInput(last_name="حسینی", memberships=[(company, "مدیر فروش")])
    )
    membership = contact.memberships.get()
    assert (membership.company, membership.title, membership.is_primary) == (
        company,
        "مدیر فروش",
        True,
    )
    merged = CompanyFactory(merged_into=company)
    with pytest.raises(ValidationError) as info:
        services.update_contact(
            contact, user=user, data=ContactInput(memberships=[(merged.pk, "")])
        )
    assert "memberships.0.company" in info.value.message_dict


def test_tags_are_created_on_the_fly_and_reused(user):
    services.create_contact(user=user, data=ContactInput(last_name="الف", tags=["vip", "نمايشگاه"]))
    services.create_contact(user=user, data=ContactInput(last_name="ب", tags="نمایشگاه"))
    assert sorted(Tag.objects.values_list("name", flat=True)) == sorted(["vip", "نمایشگاه"])


def test_create_company_normalises_identifiers_and_website(user):
    national_id = generate_company_national_id("1010123456")
    company = services.create_company(
        user=user,
        data=CompanyInput(
            name="  شركت   پیوند  ",
            national_id=national_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
            website="peyvand.ir",
            phones=["021 8888 7777"],
            emails=["INFO@Peyvand.IR"],
        ),
    )
    company.refresh_from_db()
    assert company.name == "شرکت پیوند"
    assert company.national_id == national_id
    assert company.website == "https://peyvand.ir"
    assert company.primary_phone == "+982188887777"
    assert company.primary_email == "info@peyvand.ir"
    assert company.owner == user
    assert SearchEntry.objects.filter(kind="company", object_id=company.pk).exists()


def test_company_requires_a_name_and_a_valid_national_id(user):
    with pytest.raises(ValidationError) as info:
        services.create_company(user=user, data=CompanyInput(name=" ", national_id="12345678901"))
    assert set(info.value.message_dict) == {"name", "national_id"}
    assert Company.objects.count() == 0


def test_phone_of_another_record_is_not_touched_by_an_update(user):
    other = PhoneFactory(number="+989121269382")
    contact = services.create_contact(
        user=user, data=ContactInput(last_name="نو", phones=["09121269382"])
    )
    services.update_contact(contact, user=user, data=ContactInput(phones=[]))
    other.refresh_from_db()
    assert other.contact_id != contact.pk
    assert contact.phones.count() == 0
    assert Contact.objects.get(pk=contact.pk).primary_phone == ""
