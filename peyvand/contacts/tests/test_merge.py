"""Merging duplicates moves every related row generically, keeps the duplicate, and undoes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts import services, signals
from peyvand.contacts.models import Contact, Membership, MergeRecord, Phone
from peyvand.contacts.services import ContactInput
from peyvand.search.models import SearchEntry
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

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


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def pair(user):
    survivor = ContactFactory(first_name="علی", last_name="رضایی", job_title="", owner=user)
    duplicate = ContactFactory(first_name="علی", last_name="رضائی", job_title="مدیر فنی")
    return survivor, duplicate


def test_merge_moves_phones_emails_addresses_to_survivor(user, pair):
    survivor, duplicate = pair
    PhoneFactory(contact=survivor, number="+989121111111", is_primary=True)
    phone = PhoneFactory(contact=duplicate, number="+989122222222", is_primary=True)
    email = EmailFactory(contact=duplicate)
    address = AddressFactory(contact=duplicate)
    services.merge_contacts(survivor, duplicate, user=user)
    for row in (phone, email, address):
        row.refresh_from_db()
        assert row.contact_id == survivor.pk
    # The survivor already had a primary phone: the moved one is not primary any more.
    assert not phone.is_primary
    assert survivor.phones.filter(is_primary=True).count() == 1


def test_merge_moves_timeline_and_tasks_to_survivor(user, pair):
    survivor, duplicate = pair
    entry = TimelineEntry.objects.create(kind="note", contact=duplicate, body="تماس اول")
    task = Task.objects.create(title="پیگیری", contact=duplicate)
    record = services.merge_contacts(survivor, duplicate, user=user)
    entry.refresh_from_db()
    task.refresh_from_db()
    assert entry.contact_id == survivor.pk
    assert task.contact_id == survivor.pk
    moved = {(label, field): ids for label, field, ids in record.moved}
    assert moved[("timeline.timelineentry", "contact")] == [entry.pk]
    assert moved[("tasks.task", "contact")] == [task.pk]


def test_merge_skips_rows_the_survivor_already_has(user, pair):
    survivor, duplicate = pair
    shared_company, other_company = CompanyFactory(), CompanyFactory()
    MembershipFactory(contact=survivor, company=shared_company)
    clash = MembershipFactory(contact=duplicate, company=shared_company)
    moved_membership = MembershipFactory(contact=duplicate, company=other_company)
    PhoneFactory(contact=survivor, number="+989121269382")
    same_phone = PhoneFactory(contact=duplicate, number="+989121269382")
    record = services.merge_contacts(survivor, duplicate, user=user)
    clash.refresh_from_db()
    moved_membership.refresh_from_db()
    same_phone.refresh_from_db()
    assert clash.contact_id == duplicate.pk  # stays with the kept duplicate
    assert same_phone.contact_id == duplicate.pk
    assert moved_membership.contact_id == survivor.pk
    assert set(Membership.objects.filter(contact=survivor).values_list("company", flat=True)) == {
        shared_company.pk,
        other_company.pk,
    }
    skipped = {(label, field): ids for label, field, ids in record.skipped}
    assert skipped[("contacts.membership", "contact")] == [clash.pk]
    assert skipped[("contacts.phone", "contact")] == [same_phone.pk]


def test_merge_keeps_duplicate_marked_as_merged(user, pair):
    survivor, duplicate = pair
    record = services.merge_contacts(survivor, duplicate, user=user)
    duplicate = Contact.objects.get(pk=duplicate.pk)
    assert duplicate.merged_into_id == survivor.pk
    assert not Contact.objects.alive().filter(pk=duplicate.pk).exists()
    assert (record.kind, record.survivor_id, record.merged_id, record.merged_by) == (
        "contact",
        survivor.pk,
        duplicate.pk,
        user,
    )


def test_merge_unions_tags_and_fills_empty_fields(user, pair):
    survivor, duplicate = pair
    survivor.tags.add(TagFactory(name="vip"))
    duplicate.tags.add(TagFactory(name="vip"), TagFactory(name="نمایشگاه"))
    duplicate.birthday = dt.date(1990, 1, 1)
    duplicate.save()
    record = services.merge_contacts(survivor, duplicate, user=user)
    survivor.refresh_from_db()
    assert sorted(survivor.tags.values_list("name", flat=True)) == sorted(["vip", "نمایشگاه"])
    assert survivor.job_title == "مدیر فنی"
    assert survivor.birthday == dt.date(1990, 1, 1)
    assert survivor.last_name == "رضایی"  # not empty: the survivor's value stays
    assert record.overwritten == {"job_title": "", "birthday": None}


def test_merge_field_choices_pick_the_duplicate_value(user, pair):
    survivor, duplicate = pair
    record = services.merge_contacts(
        survivor,
        duplicate,
        user=user,
        field_choices={"last_name": "duplicate", "job_title": "survivor"},
    )
    survivor.refresh_from_db()
    assert survivor.last_name == "رضائی"
    assert survivor.job_title == ""
    assert record.overwritten == {"last_name": "رضایی"}


def test_merge_rejects_bad_field_choices_and_self_merge(user, pair):
    survivor, duplicate = pair
    with pytest.raises(ValidationError):
        services.merge_contacts(survivor, duplicate, user=user, field_choices={"id": "duplicate"})
    with pytest.raises(ValidationError):
        services.merge_contacts(survivor, survivor, user=user)
    services.merge_contacts(survivor, duplicate, user=user)
    duplicate.refresh_from_db()
    with pytest.raises(ValidationError):
        services.merge_contacts(survivor, duplicate, user=user)
    assert MergeRecord.objects.count() == 1


def test_merge_emits_records_merged_signal(user, pair):
    survivor, duplicate = pair
    received = []

    def listener(sender, **kwargs):
        received.append(
            (
                sender,
                kwargs["survivor"].pk,
                kwargs["merged"].pk,
                kwargs["merge_record"],
                kwargs["user"],
            )
        )

    signals.records_merged.connect(listener)
    try:
        record = services.merge_contacts(survivor, duplicate, user=user)
    finally:
        signals.records_merged.disconnect(listener)
    assert received == [(Contact, survivor.pk, duplicate.pk, record, user)]


def test_merge_reindexes_search(user, pair):
    survivor, duplicate = pair
    PhoneFactory(contact=duplicate, number="+989123334455")
    services.reindex(duplicate)
    services.reindex(survivor)
    services.merge_contacts(survivor, duplicate, user=user)
    assert not SearchEntry.objects.filter(kind="contact", object_id=duplicate.pk).exists()
    entry = SearchEntry.objects.get(kind="contact", object_id=survivor.pk)
    assert "989123334455" in entry.terms.split()


def test_merge_denormalised_fields_follow_moved_rows(user, pair):
    survivor, duplicate = pair
    PhoneFactory(contact=duplicate, number="+989123334455", is_primary=True)
    services.merge_contacts(survivor, duplicate, user=user)
    survivor.refresh_from_db()
    assert survivor.primary_phone == "+989123334455"


def test_undo_merge_restores_everything(user, pair):
    survivor, duplicate = pair
    survivor_tag = TagFactory(name="vip")
    survivor.tags.add(survivor_tag)
    duplicate.tags.add(TagFactory(name="نمایشگاه"))
    PhoneFactory(contact=survivor, number="+989121111111", is_primary=True)
    phone = PhoneFactory(contact=duplicate, number="+989122222222", is_primary=True)
    entry = TimelineEntry.objects.create(kind="note", contact=duplicate, body="یادداشت")
    task = Task.objects.create(title="تماس", contact=duplicate)
    membership = MembershipFactory(contact=duplicate)
    last_contacted = timezone.now()
    Contact.objects.filter(pk=duplicate.pk).update(last_contacted_at=last_contacted)
    duplicate.refresh_from_db()

    record = services.merge_contacts(survivor, duplicate, user=user)
    services.undo_merge(record, user=user)

    for row in (phone, entry, task, membership):
        row.refresh_from_db()
        assert row.contact_id == duplicate.pk
    assert phone.is_primary
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert survivor.job_title == ""
    assert survivor.last_contacted_at is None
    assert list(survivor.tags.all()) == [survivor_tag]
    assert survivor.primary_phone == "+989121111111"
    assert duplicate.primary_phone == "+989122222222"
    record.refresh_from_db()
    assert record.undone_at is not None
    assert SearchEntry.objects.filter(kind="contact", object_id=duplicate.pk).exists()
    with pytest.raises(ValidationError):
        services.undo_merge(record, user=user)


def test_merge_companies_moves_people_and_skips_existing_memberships(user):
    survivor, duplicate = CompanyFactory(), CompanyFactory(industry="")
    both, only_duplicate = ContactFactory(), ContactFactory()
    MembershipFactory(contact=both, company=survivor)
    clash = MembershipFactory(contact=both, company=duplicate)
    moved = MembershipFactory(contact=only_duplicate, company=duplicate)
    phone = PhoneFactory(contact=None, company=duplicate, number="+982188887777")
    record = services.merge_companies(survivor, duplicate, user=user)
    clash.refresh_from_db()
    moved.refresh_from_db()
    phone.refresh_from_db()
    assert clash.company_id == duplicate.pk
    assert moved.company_id == survivor.pk
    assert phone.company_id == survivor.pk
    assert record.kind == "company"
    services.undo_merge(record, user=user)
    moved.refresh_from_db()
    assert moved.company_id == duplicate.pk


def test_merge_is_audit_logged_with_actor(user, pair):
    from auditlog.models import LogEntry

    survivor, duplicate = pair
    services.merge_contacts(survivor, duplicate, user=user)
    entry = LogEntry.objects.get_for_object(Contact.objects.get(pk=duplicate.pk)).first()
    assert "merged_into" in entry.changes
    assert entry.actor == user


def test_merge_then_update_survivor_keeps_moved_phone(user, pair):
    survivor, duplicate = pair
    PhoneFactory(contact=duplicate, number="+989122222222")
    services.merge_contacts(survivor, duplicate, user=user)
    survivor = Contact.objects.get(pk=survivor.pk)
    services.update_contact(survivor, user=user, data=ContactInput(job_title="مدیر"))
    assert Phone.objects.filter(contact=survivor, number="+989122222222").exists()
