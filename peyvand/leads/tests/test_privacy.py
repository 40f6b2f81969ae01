"""A lead converted into a customer: export and erasure reach the lead and what it brought."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    EMAIL,
    PHONE,
    erase,
    find_in_database,
    personal_strings,
)
from peyvand.leads import services
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Lead

pytestmark = pytest.mark.django_db

MESSAGE = "Zhubin needs 40 licences before Nowruz"


def converted(user):
    lead = services.capture_lead(
        channel="website",
        data=LeadInput(
            first_name="ژوبین",
            last_name="قراگوزلو",
            phone=PHONE,
            email=EMAIL,
            message=MESSAGE,
            city="کرج",
            consent=True,
        ),
        user=user,
    )
    lead = services.qualify(Lead.objects.get(pk=lead.lead.pk), user=user, note="Zhubin is keen")
    contact = services.convert_lead(lead, user=user)
    return lead, contact


def test_export_includes_the_converted_lead(admin_user):
    lead, contact = converted(admin_user)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    leads = json.loads(archive.read("customer.json"))["sections"]["leads"]
    assert [item["id"] for item in leads] == [lead.pk]
    assert leads[0]["message"] == MESSAGE


def test_erasure_blanks_the_converted_lead(admin_user):
    lead, contact = converted(admin_user)
    assert find_in_database(personal_strings(MESSAGE))  # the scan sees the data first

    erase(contact, admin_user)

    assert find_in_database(personal_strings(MESSAGE)) == []
    lead.refresh_from_db()
    # Funnel reports still count it: channel, status and conversion stay.
    assert lead.channel == "website" and lead.contact_id == contact.pk
    assert lead.phone == "" and lead.message == ""
