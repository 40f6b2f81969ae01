from datetime import timedelta

import pytest
from django.utils import timezone

from peyvand.contacts import signals
from peyvand.contacts.models import Contact, MergeRecord
from peyvand.timeline import services
from peyvand.timeline.models import TimelineEntry

from .factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _reload(record):
    return type(record).objects.get(pk=record.pk).last_contacted_at


def test_a_call_sets_last_contacted_on_contact_and_company(rep):
    contact, company = ContactFactory(), CompanyFactory()
    when = timezone.now() - timedelta(hours=2)
    services.log_call(
        contact=contact,
        company=company,
        author=rep,
        direction="outbound",
        duration_seconds=60,
        outcome="answered",
        occurred_at=when,
    )
    assert _reload(contact) == when
    assert _reload(company) == when


def test_a_note_is_not_contacting_the_customer(rep):
    contact = ContactFactory()
    services.add_note(contact=contact, author=rep, body="فقط یادداشت")
    assert _reload(contact) is None


def test_last_contacted_never_moves_backwards(rep):
    contact = ContactFactory()
    recent = timezone.now() - timedelta(days=1)
    older = timezone.now() - timedelta(days=10)
    services.log_sms(
        contact=contact, author=rep, direction="outbound", body="سلام", occurred_at=recent
    )
    services.log_email(
        contact=contact, author=rep, direction="inbound", subject="قدیمی", occurred_at=older
    )
    assert _reload(contact) == recent


def test_update_is_one_conditional_statement(rep, django_assert_num_queries):
    contact = ContactFactory(last_contacted_at=timezone.now())
    older = timezone.now() - timedelta(days=3)
    with django_assert_num_queries(1):
        assert services.mark_contacted(contact, older) is False


def test_a_planned_meeting_is_not_a_contact_yet(rep):
    contact = ContactFactory()
    services.log_meeting(
        contact=contact,
        author=rep,
        subject="جلسه فردا",
        occurred_at=timezone.now() + timedelta(days=1),
    )
    assert _reload(contact) is None


def test_deleting_the_latest_interaction_derives_last_contacted_again(rep):
    contact = ContactFactory()
    older = timezone.now() - timedelta(days=5)
    services.log_sms(
        contact=contact, author=rep, direction="outbound", body="قدیمی", occurred_at=older
    )
    latest = services.log_sms(contact=contact, author=rep, direction="outbound", body="جدید")
    contact.refresh_from_db()
    services.delete_entry(TimelineEntry.objects.get(pk=latest.pk))
    assert _reload(contact) == older


def test_merge_signal_writes_a_merge_entry_and_keeps_the_latest_contact(admin_user):
    survivor = ContactFactory()
    contacted = timezone.now() - timedelta(days=1)
    merged = ContactFactory(last_contacted_at=contacted, merged_into=survivor)
    record = MergeRecord.objects.create(
        kind="contact", survivor_id=survivor.pk, merged_id=merged.pk
    )
    signals.records_merged.send(
        sender=Contact, survivor=survivor, merged=merged, merge_record=record, user=admin_user
    )
    entry = TimelineEntry.objects.get(contact=survivor)
    assert entry.kind == "merge"
    assert entry.source == record
    assert entry.data["merged_name"] == merged.full_name
    assert _reload(survivor) == contacted


def test_stage_change_signal_writes_a_stage_change_entry(admin_user):
    company = CompanyFactory()
    signals.stage_changed.send(
        sender=type(company),
        record=company,
        old_stage="lead",
        new_stage="customer",
        user=admin_user,
    )
    entry = TimelineEntry.objects.get(company=company)
    assert entry.kind == "stage_change"
    assert entry.data == {"old": "lead", "new": "customer"}
    assert entry.author == admin_user
