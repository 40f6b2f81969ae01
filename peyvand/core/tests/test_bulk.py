"""core.bulk.insert_rows: plain values in, the rows a service would have written out."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.models import Contact, Phone
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.core.bulk import insert_instances, insert_rows
from peyvand.imports.models import ImportedRecord, ImportJob

pytestmark = pytest.mark.django_db


def test_returns_the_new_ids_in_the_order_of_the_rows():
    ContactFactory()  # ids do not start at 1
    with transaction.atomic():
        ids = insert_rows(Contact, [{"last_name": f"رضایی {i}"} for i in range(5)], return_ids=True)
    names = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "last_name"))
    assert [names[pk] for pk in ids] == [f"رضایی {i}" for i in range(5)]


def test_missing_columns_take_the_field_default_and_timestamps_are_stamped():
    before = timezone.now()
    with transaction.atomic():
        (pk,) = insert_rows(Contact, [{"last_name": "کریمی"}], return_ids=True)
    contact = Contact.objects.get(pk=pk)
    assert contact.lifecycle_stage == "lead"
    assert contact.consent_call is True and contact.consent_sms is False
    assert contact.created_at >= before and contact.updated_at >= before
    assert contact.birthday is None


def test_dates_json_and_foreign_keys_round_trip():
    job = ImportJob.objects.create(user=UserFactory(), original_name="a.csv", file="a.csv")
    contact = ContactFactory()
    with transaction.atomic():
        insert_rows(
            ImportedRecord,
            [
                {
                    "job_id": job.pk,
                    "row_number": 2,
                    "object_id": contact.pk,
                    "action": "updated",
                    "previous": {"birthday": dt.date(1990, 3, 21), "tags": ["VIP", "مشتری"]},
                }
            ],
        )
        insert_rows(Phone, [{"contact_id": contact.pk, "number": "+989121234567"}])
        (other,) = insert_rows(
            Contact, [{"last_name": "x", "birthday": dt.date(1985, 1, 2)}], return_ids=True
        )
    record = ImportedRecord.objects.get(job=job)
    assert record.previous == {"birthday": "1990-03-21", "tags": ["VIP", "مشتری"]}
    assert contact.phones.get().number == "+989121234567"
    assert Contact.objects.get(pk=other).birthday == dt.date(1985, 1, 2)


def test_insert_instances_sets_primary_keys():
    contacts = [Contact(last_name="احمدی"), Contact(last_name="موسوی")]
    with transaction.atomic():
        insert_instances(contacts)
    assert all(c.pk for c in contacts)
    assert Contact.objects.get(pk=contacts[1].pk).last_name == "موسوی"
    assert not contacts[0]._state.adding


def test_equal_values_of_different_types_are_stored_as_themselves():
    """Adapted values are memoised per batch; True == 1 must not make a JSON 1 into true."""
    job = ImportJob.objects.create(user=UserFactory(), original_name="a.csv", file="a.csv")
    rows = [
        {"job_id": job.pk, "row_number": n, "object_id": n, "action": "updated", "previous": v}
        for n, v in enumerate([{"x": True}, {"x": 1}, True, 1, 1.0])
    ]
    with transaction.atomic():
        insert_rows(ImportedRecord, rows)
    stored = list(ImportedRecord.objects.order_by("row_number").values_list("previous", flat=True))
    assert stored == [{"x": True}, {"x": 1}, True, 1, 1.0]
    assert [type(v) for v in stored[2:]] == [bool, int, float]
