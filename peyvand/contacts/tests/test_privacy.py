"""Right to be forgotten on contacts' own data: export, erasure, and nothing personal left."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from peyvand.contacts import privacy, services
from peyvand.contacts.models import Contact, Email, MergeRecord, Phone
from peyvand.search.models import SearchEntry

from .privacy_scan import (
    EMAIL,
    NATIONAL_ID,
    NOTE,
    PHONE,
    find_in_database,
    find_in_media,
    forms_of,
    make_person,
    personal_strings,
)

pytestmark = pytest.mark.django_db


def test_personal_strings_are_found_before_erasure(admin_user):
    # The scan itself must see the data, or the erasure tests below could not fail.
    make_person(admin_user)
    found = find_in_database(personal_strings())
    assert any(hit.startswith("contacts_contact") for hit in found)
    assert any(hit.startswith("auditlog_logentry") for hit in found)
    assert any(hit.startswith("search_") for hit in found)


def test_erasure_leaves_no_personal_data_anywhere(admin_user):
    contact = make_person(admin_user)
    duplicate = services.create_contact(
        user=admin_user,
        data=services.ContactInput(last_name="Qaragozlou", emails=["old.zhubin@example.ir"]),
    )
    services.merge_contacts(contact, duplicate, user=admin_user)

    privacy.erase_customer(contact, user=admin_user, confirmation="  ژوبین   قراگوزلو ")

    strings = personal_strings() | forms_of("old.zhubin@example.ir")
    assert find_in_database(strings) == []
    assert find_in_media(strings) == []
    contact.refresh_from_db()
    assert contact.erased_at is not None and contact.deleted_at is not None
    assert contact.last_name == _("Erased customer")
    assert not Phone.objects.filter(contact=contact).exists()
    assert not Email.objects.filter(contact__in=[contact.pk, duplicate.pk]).exists()
    assert not SearchEntry.objects.filter(kind="contact", object_id=contact.pk).exists()
    assert MergeRecord.objects.get(survivor_id=contact.pk).overwritten == {}
    # The history says that it happened and who did it, without the data.
    entry = LogEntry.objects.filter(additional_data__erasure=True).get()
    assert entry.object_id == contact.pk and entry.actor == admin_user
    # The older entries about the contact are still there (append-only), only redacted.
    assert LogEntry.objects.filter(object_id=contact.pk).count() > 1


def test_erasure_needs_the_name_typed(admin_user):
    contact = make_person(admin_user)
    with pytest.raises(ValidationError) as exc:
        privacy.erase_customer(contact, user=admin_user, confirmation="someone else")
    assert "confirmation" in exc.value.message_dict
    contact.refresh_from_db()
    assert contact.erased_at is None and contact.national_id == NATIONAL_ID


def test_erased_record_cannot_be_erased_or_restored_again(admin_user):
    contact = make_person(admin_user)
    privacy.erase_customer(contact, user=admin_user, confirmation="ژوبین قراگوزلو")
    contact.refresh_from_db()
    with pytest.raises(ValidationError):
        privacy.erase_customer(contact, user=admin_user, confirmation=contact.full_name)
    with pytest.raises(ValidationError):
        services.restore_contact(contact, user=admin_user)


def test_failed_eraser_rolls_everything_back(admin_user, monkeypatch):
    contact = make_person(admin_user)

    def broken(erasure):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(privacy._ERASERS, "zz_broken", privacy._Hook("zz_broken", broken, 500))
    with pytest.raises(RuntimeError):
        privacy.erase_customer(contact, user=admin_user, confirmation="ژوبین قراگوزلو")
    contact.refresh_from_db()
    assert contact.erased_at is None
    assert Phone.objects.filter(contact=contact, number=PHONE).exists()
    assert LogEntry.objects.filter(changes__icontains="Zhubinology").exists()


def test_company_erasure(admin_user):
    company = services.create_company(
        user=admin_user,
        data=services.CompanyInput(name="آهن‌ساز ژوبین", phones=[(PHONE, "work", True)]),
    )
    privacy.erase_customer(company, user=admin_user, confirmation="آهن‌ساز ژوبین")
    assert find_in_database(forms_of("آهن‌ساز ژوبین") | forms_of(PHONE, phone=True)) == []


def test_export_holds_everything_about_the_contact(admin_user):
    contact = make_person(admin_user)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    document = json.loads(archive.read("customer.json"))
    section = document["sections"]["customer"]
    assert document["id"] == contact.pk
    assert section["record"]["national_id"] == NATIONAL_ID
    assert section["record"]["notes"] == NOTE
    assert section["phones"][0]["number"] == PHONE
    assert section["emails"][0]["address"] == EMAIL
    assert "کوچه نسترن" in section["addresses"][0]["line"]


def test_audit_entries_are_append_only(admin_user):
    from peyvand.accounts.audit import AppendOnlyError, redact_entries

    make_person(admin_user)
    entry = LogEntry.objects.first()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.delete()
    # Below the model: the database refuses too.
    for attempt in (
        lambda: LogEntry.objects.filter(pk=entry.pk).update(changes_text="forged"),
        lambda: LogEntry.objects.filter(pk=entry.pk).update(action=2),
        lambda: LogEntry.objects.filter(pk=entry.pk)._raw_delete(LogEntry.objects.db),
    ):
        with pytest.raises(DatabaseError) as exc, transaction.atomic():
            attempt()
        assert "append-only" in str(exc.value)
    # The one controlled path: redaction of named entries, personal columns only.
    assert redact_entries([entry], lambda e: {"object_repr": "x"}) == 1
    entry.refresh_from_db()
    assert entry.object_repr == "x"
    with pytest.raises(ValueError):
        redact_entries([entry], lambda e: {"action": 2})
    # The permit is gone after the redaction.
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="y")


def test_deleting_a_user_keeps_their_audit_entries(admin_user):
    from peyvand.accounts.tests.factories import UserFactory

    user = UserFactory()
    make_person(user)
    count = LogEntry.objects.filter(actor=user).count()
    assert count
    user.delete()
    assert LogEntry.objects.filter(actor__isnull=True).count() >= count


def test_purge_trash_erases_only_old_deleted_records(admin_user):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    old = make_person(admin_user)
    services.soft_delete_contact(old, user=admin_user)
    Contact.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=40))
    recent = services.create_contact(
        user=admin_user, data=services.ContactInput(last_name="Recently deleted")
    )
    services.soft_delete_contact(recent, user=admin_user)
    alive = services.create_contact(user=admin_user, data=services.ContactInput(last_name="Alive"))

    call_command("purge_trash")  # no retention period set: nothing happens
    assert Contact.objects.filter(erased_at__isnull=False).count() == 0

    call_command("purge_trash", "--days", "30")
    erased = set(Contact.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {old.pk}
    assert find_in_database(personal_strings()) == []
    assert {recent.pk, alive.pk}.isdisjoint(erased)


def test_erasure_blanks_the_outbox_and_cancels_unsent_messages(admin_user):
    from peyvand.core.models import OutboundMessage

    contact = make_person(admin_user)
    OutboundMessage.objects.create(
        key="t:1", channel="email", to=f"Zhubin <{EMAIL}>", subject="سلام", body=NOTE
    )
    OutboundMessage.objects.create(key="t:2", channel="sms", to=PHONE, body="کد شما", status="sent")
    OutboundMessage.objects.create(key="t:3", channel="email", to="other@example.ir", body="x")

    privacy.erase_customer(contact, user=admin_user, confirmation="ژوبین قراگوزلو")

    assert find_in_database(personal_strings()) == []
    statuses = dict(OutboundMessage.objects.values_list("key", "status"))
    assert statuses == {"t:1": "failed", "t:2": "sent", "t:3": "pending"}
    assert OutboundMessage.objects.get(key="t:3").body == "x"
