"""Service reports: volume by month/channel/category, first-response and resolution time
(median, p90) in business minutes, SLA compliance, backlog by tier and age, CSAT by agent/team/
category; the page, its CSV and the API, with permissions and bad input."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from peyvand.service import calendars, reports, services
from peyvand.service.models import CsatSurvey, SlaPolicy, SupportTier

from .factories import TeamFactory, TicketCategoryFactory, UserFactory, agent

TEHRAN = ZoneInfo("Asia/Tehran")
pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def data(db, time_machine):
    """Five tickets opened Saturday 2026-11-14 09:00 (Aban 1405): first responses after 10, 20,
    30, 40 and 100 business minutes (target 60), three resolved after 2h, 3h and 5h (target
    4h); two answered surveys; one ticket in October (Mehr)."""
    team = TeamFactory(name="پشتیبانی")
    worker = agent("worker", team=team, first_name="Sara", last_name="Ahmadi")
    SlaPolicy.objects.create(
        name="Standard",
        first_response_minutes=60,
        resolution_minutes=240,
        calendar=calendars.default_calendar(),
    )
    billing = TicketCategoryFactory(name="صورتحساب")
    time_machine.move_to(at(14, 9), tick=False)
    tickets = []
    for n in range(5):
        tickets.append(
            services.open_ticket(
                user=worker,
                data={
                    "subject": f"درخواست {n}",
                    "channel": "email" if n < 2 else "phone",
                    "requester_name": "مشتری",
                    "team": team,
                    "assignee": worker,
                    "category": billing if n < 3 else None,
                },
            )
        )
    for ticket, minutes in zip(tickets, (10, 20, 30, 40, 100), strict=True):
        time_machine.move_to(at(14, 9) + dt.timedelta(minutes=minutes), tick=False)
        services.add_reply(ticket, user=worker, body="سلام")
    for ticket, hours in zip(tickets[:3], (2, 3, 5), strict=True):
        time_machine.move_to(at(14, 9) + dt.timedelta(hours=hours), tick=False)
        services.change_status(ticket, "resolved", user=worker)
    for ticket, rating in zip(tickets[:2], (5, 2), strict=True):
        CsatSurvey.objects.create(
            ticket=ticket,
            token_hash=f"h{ticket.pk}",
            expires_at=timezone.now() + dt.timedelta(days=30),
            rating=rating,
            answered_at=timezone.now(),
        )
    time_machine.move_to(at(20, 10, month=10), tick=False)
    october = services.open_ticket(
        user=worker,
        data={"subject": "قدیمی", "channel": "portal", "requester_name": "x", "assignee": worker},
    )
    time_machine.move_to(at(20, 12), tick=False)
    return {"worker": worker, "team": team, "tickets": tickets, "october": october}


def test_volume_times_and_compliance(data):
    report = reports.service_report(
        data["worker"], start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 20), language="fa"
    )
    labels = [row.label for row in report.months]
    assert labels == ["مهر ۱۴۰۵", "آبان ۱۴۰۵"]
    mehr, aban = report.months[0], report.months[1]
    assert mehr.tickets == 1 and mehr.by_channel == {"portal": 1}
    assert aban.tickets == 5 and aban.by_channel == {"email": 2, "phone": 3}
    assert aban.first_response == {"median": 30.0, "p90": 76.0}
    # Resolution 120, 180, 300 minutes: median 180, p90 = 180 + 0.8 * 120.
    assert aban.resolution == {"median": 180.0, "p90": 276.0}
    assert aban.first_response_compliance == 80.0
    assert aban.resolution_compliance == 66.7
    total = report.total
    assert total.tickets == 6 and total.first_response["median"] == 30.0
    categories = [(row["category"], row["tickets"]) for row in report.by_category]
    assert categories == [("صورتحساب", 3), (gettext("No category"), 3)]


def test_backlog_by_tier_and_age(data):
    report = reports.service_report(
        data["worker"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20)
    )
    # Two November tickets (6 days old) and the October ticket (31 days) are still open.
    open_total = sum(row["total"] for row in report.backlog)
    assert open_total == 3
    ages = {k: sum(row[k] for row in report.backlog) for k, _d in reports.AGE_BUCKETS}
    assert ages["3to7"] == 2 and ages["gt30"] == 1
    lowest = SupportTier.objects.order_by("level").first()
    assert [row["tier"] for row in report.backlog] == [lowest.code]


def test_csat_by_agent_team_and_category(data):
    report = reports.service_report(
        data["worker"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20)
    )
    assert report.csat_total == {"answers": 2, "average": 3.5, "satisfied": 50.0}
    (by_agent,) = report.csat["agent"]
    assert by_agent["label"] == "Sara Ahmadi" and by_agent["average"] == 3.5
    assert report.csat["team"][0]["label"] == "پشتیبانی"
    assert report.csat["category"][0]["label"] == "صورتحساب"


def test_report_only_counts_visible_tickets(data):
    from peyvand.accounts.services import set_module_sharing

    set_module_sharing("tickets", "team")
    outsider = agent("outsider", team=TeamFactory(name="فروش"))
    report = reports.service_report(outsider, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 20))
    assert report.total.tickets == 0
    assert report.csat_total["answers"] == 0


def test_percentiles_match_between_databases():
    """The SQLite path interpolates exactly like PostgreSQL's percentile_cont."""
    from peyvand.service.models import TicketSla

    assert reports.percentiles(TicketSla.objects.none(), "resolution_seconds") == {
        0.5: None,
        0.9: None,
    }


def test_sqlite_percentiles_interpolate_like_percentile_cont():
    """percentile_cont(0.9) of 10, 20, 30, 40: rank 0.9 × 3 = 2.7, so 30 + 0.7 × 10."""
    assert reports._interpolated([40, 10, 30, 20], (0.5, 0.9)) == {0.5: 25.0, 0.9: 37.0}
    assert reports._interpolated([7], (0.5, 0.9)) == {0.5: 7, 0.9: 7}
    assert reports._interpolated([], (0.5,)) == {0.5: None}


def test_report_page_csv_and_permissions(
    data, client, rep, no_role_user, admin_user, django_assert_max_num_queries
):
    url = reverse("service:reports")
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403
    client.force_login(rep)  # sales reps may view tickets but not export them
    assert client.get(reverse("service:reports_csv")).status_code == 403
    client.force_login(admin_user)
    with django_assert_max_num_queries(60):
        page = client.get(url, {"start": "1405/07/01", "end": "1405/08/29"})
    assert page.status_code == 200
    assert "service-report-data" in page.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in page.content.decode()
    export = client.get(
        reverse("service:reports_csv"), {"start": "2026-10-01", "end": "2026-11-20"}
    )
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][1] in ("Tickets", "تیکت‌ها")
    total = next(r for r in rows if r and r[0] in ("Total", "جمع"))
    assert total[1] == "6"


def test_report_page_bad_dates(data, client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("service:reports"), {"start": "1405/13/01"})
    assert response.status_code == 422
    response = client.get(reverse("service:reports"), {"start": "1405/08/20", "end": "1405/08/01"})
    assert response.status_code == 422


def test_report_api(data, api_for, admin_user):
    api = api_for(admin_user)
    ok = api.get("/api/v1/service/sla/reports", {"start": "1405/08/01", "end": "1405/08/29"})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["total"]["tickets"] == 5
    assert body["total"]["first_response_minutes"] == {"median": 30.0, "p90": 76.0}
    bad = api.get("/api/v1/service/sla/reports", {"start": "tomorrow"})
    assert bad.status_code == 422 and "start" in bad.json()["errors"]
    assert api_for(UserFactory(role=None)).get("/api/v1/service/sla/reports").status_code == 403


def test_top_knowledge_articles(data):
    from peyvand.knowledge.tests.factories import make_article
    from peyvand.service.models import TicketResource

    reset = make_article("بازنشانی گذرواژه")
    invoice = make_article("اصلاح فاکتور")
    for ticket in data["tickets"][:3]:
        TicketResource.objects.create(ticket=ticket, article=invoice, used_at=at(14, 10))
    TicketResource.objects.create(ticket=data["tickets"][3], article=reset, used_at=at(14, 10))
    report = reports.service_report(
        data["worker"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20)
    )
    assert [(a["title"], a["uses"]) for a in report.top_articles] == [
        ("اصلاح فاکتور", 3),
        ("بازنشانی گذرواژه", 1),
    ]
    earlier = reports.service_report(
        data["worker"], start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 30)
    )
    assert earlier.top_articles == []
