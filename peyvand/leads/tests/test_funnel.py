"""The funnel report: by channel and by month (Jalali in Persian), in SQL, as a page and CSV."""

import datetime as dt

import pytest
from django.utils import translation

from peyvand.leads.models import Channel, LeadStatus
from peyvand.leads.selectors import funnel, month_ranges

from .factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+03:30")


@pytest.fixture
def leads():
    def lead(day, channel, status=LeadStatus.NEW, wait=None, reason=""):
        created = at(day)
        return LeadFactory(
            created_at=created,
            channel=channel,
            status=status,
            close_reason=reason,
            first_contacted_at=created + dt.timedelta(minutes=wait) if wait is not None else None,
            qualified_at=created
            if status in (LeadStatus.QUALIFIED, LeadStatus.CONVERTED)
            else None,
        )

    return [
        # 1404/02/05 (25 April 2025)
        lead("2025-04-25", Channel.WEBSITE, LeadStatus.CONVERTED, wait=10),
        lead("2025-04-25", Channel.WEBSITE, LeadStatus.LOST, wait=20, reason="price"),
        # 1404/02/20 (10 May 2025)
        lead("2025-05-10", Channel.WEBSITE, LeadStatus.QUALIFIED, wait=60),
        lead("2025-05-10", Channel.INSTAGRAM, LeadStatus.LOST, wait=30, reason="price"),
        # 1404/03/04 (25 May 2025)
        lead("2025-05-25", Channel.INSTAGRAM, LeadStatus.LOST, reason="competitor"),
        lead("2025-05-25", Channel.INSTAGRAM),
        # outside the period
        lead("2025-07-01", Channel.WEBSITE, LeadStatus.CONVERTED, wait=1),
    ]


def report(user, language="fa"):
    with translation.override(language):
        return funnel(user, start=dt.date(2025, 4, 21), end=dt.date(2025, 6, 10), language=language)


def test_funnel_by_channel(leads, admin_user):
    rows = {row.key: row for row in report(admin_user).by_channel}
    web, insta = rows[Channel.WEBSITE], rows[Channel.INSTAGRAM]
    assert (web.leads, web.contacted, web.qualified, web.converted, web.lost) == (3, 3, 2, 1, 1)
    assert web.conversion_rate == 33.3
    assert web.median_first_contact == dt.timedelta(minutes=20)
    assert (insta.leads, insta.contacted, insta.converted, insta.lost) == (3, 1, 0, 2)
    assert insta.conversion_rate == 0
    assert insta.median_first_contact == dt.timedelta(minutes=30)


def test_funnel_by_jalali_month_in_persian(leads, admin_user):
    months = report(admin_user, "fa").by_month
    # 2025-04-21 .. 2025-06-10 is exactly 1404/02/01 .. 1404/03/20.
    assert [m.label for m in months] == ["اردیبهشت ۱۴۰۴", "خرداد ۱۴۰۴"]
    assert [m.leads for m in months] == [4, 2]
    assert months[0].median_first_contact == dt.timedelta(minutes=25)  # 10, 20, 30, 60


def test_funnel_by_gregorian_month_in_english(leads, admin_user):
    months = report(admin_user, "en").by_month
    assert [(m.label, m.leads) for m in months] == [
        ("April 2025", 2),
        ("May 2025", 4),
        ("June 2025", 0),
    ]


def test_totals_and_lost_reasons(leads, admin_user):
    result = report(admin_user)
    assert (result.total.leads, result.total.converted) == (6, 1)
    assert [(code, count) for code, _label, count in result.lost_reasons] == [
        ("price", 2),
        ("competitor", 1),
    ]


def test_the_report_counts_only_leads_the_user_may_see(leads, rep):
    from peyvand.accounts.services import set_module_sharing

    set_module_sharing("leads", "team")
    # Owned by someone in no team of the rep's (unowned leads are the shared queue).
    other = UserFactory()
    for lead in leads:
        lead.owner = other
        lead.save()
    LeadFactory(created_at=at("2025-05-01"), owner=rep, channel=Channel.PHONE)
    assert report(rep).total.leads == 1


def test_month_ranges_are_bounded():
    assert len(month_ranges(dt.date(2000, 1, 1), dt.date(2030, 1, 1), language="en")) == 24


def test_the_page_shows_the_chart_and_the_tables(leads, admin_client):
    response = admin_client.get(
        "/leads/reports/funnel/", {"start": "1404/02/01", "end": "1404/03/20"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="funnel-chart"' in page and 'id="funnel-data"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "اردیبهشت ۱۴۰۴" in page and "قیمت" in page


def test_csv_export(leads, admin_client):
    response = admin_client.get(
        "/leads/reports/funnel.csv", {"start": "2025-04-21", "end": "2025-06-10"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 2 + 2 + 1 + 2  # header, channels, Jalali months, total, lost reasons
    assert lines[-3].endswith(",6,4,2,1,3,16.7,25.0"), lines  # the total


def test_csv_export_needs_the_export_permission(leads, client):
    user = UserFactory(role__name="Sales representative")
    client.force_login(user)
    assert client.get("/leads/reports/funnel/").status_code == 200
    assert client.get("/leads/reports/funnel.csv").status_code == 403
