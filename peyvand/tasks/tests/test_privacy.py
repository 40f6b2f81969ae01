"""Tasks in a customer's export and erasure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    erase,
    find_in_database,
    make_person,
    personal_strings,
)
from peyvand.tasks.services import create_task

pytestmark = pytest.mark.django_db

DESCRIPTION = "Send Zhubin the peanut-free catering menu"


def test_task_export_and_erasure(admin_user):
    contact = make_person(admin_user)
    task = create_task(
        user=admin_user, title="Call Qaragozlou back", contact=contact, description=DESCRIPTION
    )
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    tasks = json.loads(archive.read("customer.json"))["sections"]["tasks"]
    assert tasks[0]["description"] == DESCRIPTION

    erase(contact, admin_user)

    assert find_in_database(personal_strings(DESCRIPTION)) == []
    task.refresh_from_db()
    # The task still counts for its assignee.
    assert task.assignee == admin_user and task.contact_id == contact.pk
    assert task.description == ""
