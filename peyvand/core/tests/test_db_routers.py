"""Reports read from the replica alias; every other read and every write stays on "default".

In tests "replica" is a TEST MIRROR of the default test database (settings.py): a second
connection to the same data, so the rows a report counts must be committed (transaction=True).
"""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.models import Contact
from peyvand.core.db_routers import ReportsRouter, in_reporting, reporting, reporting_db
from peyvand.core.periods import Period
from peyvand.dashboard.selectors import customer_count
from peyvand.leads.models import Channel, Lead
from peyvand.leads.selectors import funnel
from peyvand.leads.tests.factories import LeadFactory
from peyvand.sales.forecast import forecast_for
from peyvand.service.reports import service_report

ALIASES = ("default", "replica")
pytestmark = pytest.mark.django_db(databases=list(ALIASES), transaction=True)


@pytest.fixture
def replica(settings):
    settings.REPORTS_DATABASE = "replica"
    return "replica"


@pytest.fixture
def admin_user(db):
    # A superuser: transactional tests elsewhere may have flushed the roles' migrated grants.
    return UserFactory(username="report-admin", is_superuser=True)


@pytest.fixture
def queries():
    """Queries per alias while the test body runs."""
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in ALIASES}
    for context in captured.values():
        context.__enter__()
    yield captured
    for context in captured.values():
        context.__exit__(None, None, None)


def sql(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries]


def reads(context: CaptureQueriesContext) -> list[str]:
    return [q for q in sql(context) if q.lstrip().upper().startswith("SELECT")]


def test_router_sends_reads_in_reporting_to_the_replica_and_writes_to_default(replica):
    router = ReportsRouter()
    assert router.db_for_read(Contact) is None
    with reporting() as alias:
        assert alias == "replica" and in_reporting()
        assert router.db_for_read(Contact) == "replica"
        assert router.db_for_write(Contact) == "default"
    assert not in_reporting()
    assert router.allow_migrate("default", "contacts") is True
    assert router.allow_migrate("replica", "contacts") is False


def test_without_a_replica_reports_read_from_default(settings):
    settings.REPORTS_DATABASE = "default"
    assert reporting_db() == "default"
    settings.REPORTS_DATABASE = "no-such-alias"
    assert reporting_db() == "default"


def test_lead_funnel_reads_committed_rows_through_the_replica(replica, admin_user, queries):
    day = dt.datetime(2025, 5, 10, 10, tzinfo=dt.UTC)
    for _ in range(3):
        LeadFactory(channel=Channel.WEBSITE, created_at=day)
    LeadFactory(channel=Channel.INSTAGRAM, created_at=day)

    report = funnel(admin_user, start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31))

    assert report.total.leads == 4
    assert {row.key: row.leads for row in report.by_channel} == {"website": 3, "instagram": 1}
    assert any("leads_lead" in q for q in reads(queries["replica"]))
    assert not any("leads_lead" in q for q in reads(queries["default"]))


def test_forecast_service_report_and_dashboard_counts_read_from_the_replica(
    replica, admin_user, queries
):
    forecast_for(admin_user, Period.parse("1404-07"), today=dt.date(2025, 10, 1))
    service_report(admin_user, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert customer_count(admin_user, Contact).value == 0

    replica_sql = " ".join(sql(queries["replica"]))
    for table in ("sales_deal", "service_ticket", "contacts_contact"):
        assert table in replica_sql
    default_sql = " ".join(reads(queries["default"]))
    for table in ("sales_deal", "service_ticket", "contacts_contact"):
        assert table not in default_sql


def test_ordinary_reads_and_writes_inside_a_report_stay_on_default(replica, admin_user, queries):
    Lead.objects.filter(pk__gt=0).count()
    with reporting():
        LeadFactory()  # a write inside the block still goes to "default"
    assert any("leads_lead" in q and "INSERT" in q for q in sql(queries["default"]))
    assert not any("INSERT" in q for q in sql(queries["replica"]))
    assert not any("leads_lead" in q for q in sql(queries["replica"]))
