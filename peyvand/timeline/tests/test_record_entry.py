import datetime as dt

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from peyvand.contacts.models import MergeRecord
from peyvand.timeline import registry
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.services import record_entry

from .factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_built_in_kinds_are_registered_with_their_interaction_flag():
    kinds = {k.code: k for k in registry.entry_kinds()}
    expected = {"note", "call", "email", "meeting", "sms", "stage_change", "merge", "task_done"}
    assert expected <= set(kinds)
    assert {code for code in expected if kinds[code].interaction} == {
        "call",
        "email",
        "meeting",
        "sms",
    }


def test_unknown_kind_is_rejected():
    with pytest.raises(ValidationError) as error:
        record_entry(kind="telepathy", contact=ContactFactory())
    assert "kind" in error.value.message_dict
    assert not TimelineEntry.objects.exists()


def test_an_entry_needs_a_contact_or_a_company():
    with pytest.raises(ValidationError) as error:
        record_entry(kind="note", body="x")
    assert NON_FIELD_ERRORS in error.value.message_dict


def test_unexpected_fields_are_a_programming_error():
    with pytest.raises(TypeError):
        record_entry(kind="note", contact=ContactFactory(), colour="red")


def test_text_is_normalised_for_storage():
    entry = record_entry(
        kind="note",
        contact=ContactFactory(),
        subject="  پيگيري   كار \u200f",
        body="سلام\r\n\r\n\r\n\r\nخداحافظ\u200b",
    )
    entry.refresh_from_db()
    assert entry.subject == "پیگیری کار"
    assert entry.body == "سلام\n\nخداحافظ"


def test_too_long_subject_is_a_validation_error():
    with pytest.raises(ValidationError) as error:
        record_entry(kind="note", contact=ContactFactory(), subject="x" * 201)
    assert "subject" in error.value.message_dict


def test_invalid_direction_choice_is_rejected():
    with pytest.raises(ValidationError) as error:
        record_entry(kind="call", contact=ContactFactory(), direction="sideways")
    assert "direction" in error.value.message_dict


def test_source_points_at_the_record_that_caused_the_entry(admin_user):
    contact = ContactFactory()
    merge = MergeRecord.objects.create(kind="contact", survivor_id=contact.pk, merged_id=999)
    entry = record_entry(kind="merge", contact=contact, source=merge, author=admin_user)
    entry = TimelineEntry.objects.get(pk=entry.pk)
    assert entry.source == merge
    assert entry.author == admin_user


def test_entry_can_belong_to_a_contact_and_a_company():
    contact, company = ContactFactory(), CompanyFactory()
    entry = record_entry(kind="meeting", contact=contact, company=company, subject="جلسه")
    assert entry.contact == contact and entry.company == company


def test_naive_time_is_read_in_the_current_time_zone():
    entry = record_entry(
        kind="note", contact=ContactFactory(), occurred_at=dt.datetime(2024, 8, 2, 14, 30)
    )
    assert timezone.localtime(entry.occurred_at).hour == 14


def test_later_modules_register_their_own_kinds(kind_registry):
    kind_registry.register_entry_kind("deal_won", label="Deal won", icon="🏆", interaction=True)
    contact = ContactFactory()
    entry = record_entry(kind="deal_won", contact=contact, subject="قرارداد")
    contact.refresh_from_db()
    assert entry.kind_info.label == "Deal won"
    assert entry.kind_info.template == registry.DEFAULT_TEMPLATE
    assert contact.last_contacted_at == entry.occurred_at


def test_kind_codes_are_validated(kind_registry):
    with pytest.raises(ValueError):
        kind_registry.register_entry_kind("bad code!", label="x", icon="x")


def test_entry_of_an_unregistered_kind_still_displays():
    entry = TimelineEntry(kind="retired_kind")
    assert entry.kind_info.label == "retired_kind"
