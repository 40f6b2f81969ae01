"""Portal sign-in codes of an erased customer are deleted."""

from __future__ import annotations

import pytest
from django.utils import timezone

from peyvand.contacts.tests.privacy_scan import (
    EMAIL,
    erase,
    find_in_database,
    make_person,
    personal_strings,
)
from peyvand.portal.models import LoginCode

pytestmark = pytest.mark.django_db


def test_login_codes_are_erased(admin_user):
    contact = make_person(admin_user)
    LoginCode.objects.create(
        identifier=EMAIL,
        channel="email",
        contact=contact,
        code_hash="x" * 64,
        ip_address="10.1.2.3",
        expires_at=timezone.now(),
    )
    # A code asked for the address without a contact link (typed before the record existed).
    LoginCode.objects.create(
        identifier=EMAIL, channel="email", code_hash="y" * 64, expires_at=timezone.now()
    )

    erase(contact, admin_user)

    assert not LoginCode.objects.exists()
    assert find_in_database(personal_strings()) == []
