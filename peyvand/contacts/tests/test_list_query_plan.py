"""The contacts list reads its page straight off an index in list order: the database never
sorts the whole table to show fifty rows (what makes a list slow at a million records)."""

import pytest
from django.db import connection

from peyvand.contacts.models import Company, Contact
from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return " | ".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.parametrize(
    ("model", "factory"), [(Contact, ContactFactory), (Company, CompanyFactory)]
)
def test_the_newest_first_page_needs_no_sort_of_the_table(admin_user, model, factory):
    factory.create_batch(5)
    page = model.objects.visible_to(admin_user).order_by("-created_at", "-id")[:50]
    steps = plan(page)
    assert "TEMP B-TREE FOR ORDER BY" not in steps  # SQLite
    assert "Sort" not in steps  # PostgreSQL


@pytest.mark.parametrize(
    "filters",
    [
        {"owner": "me", "lifecycle_stage": "customer"},
        {"lifecycle_stage": "customer"},
        {"team": "mine"},
        {"province": "تهران"},
        {"source": "website"},
    ],
)
def test_a_filtered_newest_first_page_needs_no_sort_of_the_matching_rows(admin_user, filters):
    """At a million contacts one owner + stage pair matches thousands of rows: the page must
    come off an index that ends in the list order, not from sorting all of them."""
    from peyvand.accounts.tests.factories import TeamFactory

    team = TeamFactory()
    values = {
        "owner": admin_user,
        "team": team,
        **{k: v for k, v in filters.items() if k not in ("owner", "team")},
    }
    ContactFactory.create_batch(5, **values)
    lookups = {k: values[k] for k in filters}
    page = Contact.objects.filter(**lookups).order_by("-created_at", "-id")[:50]
    steps = plan(page)
    assert "TEMP B-TREE FOR ORDER BY" not in steps  # SQLite
    assert "Sort" not in steps  # PostgreSQL
