"""Deals and quotes of an erased customer keep their values and stages, not the person."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest

from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    erase,
    find_in_database,
    make_person,
    personal_strings,
)
from peyvand.sales import services

from .factories import DealFactory

pytestmark = pytest.mark.django_db

LOST_NOTE = "Zhubin went with a cheaper offer"


def test_deal_export_and_erasure(admin_user):
    contact = make_person(admin_user)
    deal = DealFactory(
        contact=contact, title="CRM licences for Qaragozlou", lost_note=LOST_NOTE, owner=admin_user
    )
    services.reindex(deal)
    stage = deal.stage_id
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    deals = json.loads(archive.read("customer.json"))["sections"]["sales"]["deals"]
    assert deals[0]["title"] == "CRM licences for Qaragozlou"
    assert find_in_database(personal_strings(LOST_NOTE))

    erase(contact, admin_user)

    assert find_in_database(personal_strings(LOST_NOTE)) == []
    deal.refresh_from_db()
    assert deal.amount == Decimal("250000000") and deal.stage_id == stage
    assert deal.contact_id == contact.pk
    assert deal.title.startswith("CRM licences for")
