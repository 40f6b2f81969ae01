"""Forecast and targets pages and API: permissions, bad input, Jalali/Gregorian periods."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from peyvand.accounts.tests.factories import RoleFactory, UserFactory
from peyvand.core.periods import Period
from peyvand.sales.models import ForecastSnapshot, SalesTarget

from .forecast_data import TEHRAN, Board, M, at, role_grants  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_grants")]


@pytest.fixture(autouse=True)
def _tehran():
    with timezone.override(TEHRAN):
        yield


@pytest.fixture
def manager():
    return UserFactory(username="boss", role=RoleFactory(name="Manager"))


def test_forecast_page_in_persian_and_english(client, manager):
    seller = UserFactory(username="seller", first_name="سارا", last_name="کاظمی")
    Board().deal(seller, M(100), won_at=at(2025, 10, 1))
    client.force_login(manager)
    page = client.get("/sales/forecast/?period=1404-07")
    assert page.status_code == 200
    html = page.content.decode()
    assert "مهر ۱۴۰۴" in html and "سارا کاظمی" in html and "۱۰۰٬۰۰۰٬۰۰۰" in html
    assert 'id="forecast-data"' in html and "chart.umd.min.js" in html
    manager.language = "en"
    manager.save()
    page = client.get("/sales/forecast/?period=2025-Q4", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200


def test_a_bad_period_is_a_clear_error_not_a_crash(client, manager):
    client.force_login(manager)
    page = client.get("/sales/forecast/?period=1404-13")
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()


def test_forecast_needs_deals_and_reports_permissions(client, api_for):
    support = UserFactory(username="support", role=RoleFactory(name="Support agent"))
    client.force_login(support)  # deals.view but no reports
    assert client.get("/sales/forecast/").status_code == 403
    assert client.get("/sales/targets/").status_code == 403
    assert api_for(support).get("/api/v1/sales/forecast").status_code == 403
    nobody = UserFactory(username="nobody", role=None)
    assert api_for(nobody).get("/api/v1/sales/forecast/targets").status_code == 403


def test_managers_set_targets_and_representatives_cannot(client, manager, api_for):
    seller = UserFactory(username="seller")
    client.force_login(seller)
    assert client.get("/sales/targets/").status_code == 200
    response = client.post(
        "/sales/targets/",
        {"subject": f"user:{seller.pk}", "period": "1404-07", "amount": "1", "currency": "IRR"},
    )
    assert response.status_code == 403
    client.force_login(manager)
    response = client.post(
        "/sales/targets/",
        {
            "subject": f"user:{seller.pk}",
            "period": "۱۴۰۴-۰۷",
            "amount": "۵۰۰٬۰۰۰٬۰۰۰",
            "currency": "IRR",
        },
    )
    assert response.status_code == 302
    target = SalesTarget.objects.get()
    assert target.amount == M(500) and target.period == Period.parse("1404-07")
    bad = client.post(
        "/sales/targets/",
        {"subject": f"user:{seller.pk}", "period": "1404-Q9", "amount": "-5", "currency": "IRR"},
    )
    assert bad.status_code == 422
    assert bad.context["form"].errors.keys() == {"period", "amount"}
    assert SalesTarget.objects.count() == 1

    api = api_for(manager)
    created = api.post(
        "/api/v1/sales/forecast/targets",
        {"period": "2025-Q4", "amount": "100", "currency": "USD", "user_id": seller.pk},
    )
    assert created.status_code == 201
    assert created.json()["period"]["start"] == "2025-10-01"
    replaced = api.post(
        "/api/v1/sales/forecast/targets",
        {"period": "2025-Q4", "amount": "200", "currency": "USD", "user_id": seller.pk},
    )
    assert replaced.status_code == 200 and SalesTarget.objects.count() == 2
    invalid = api.post("/api/v1/sales/forecast/targets", {"period": "x", "amount": "1"})
    assert invalid.status_code == 422 and "period" in invalid.json()["errors"]
    both = api.post(
        "/api/v1/sales/forecast/targets",
        {"period": "1404", "amount": "1", "user_id": seller.pk, "team_id": 1},
    )
    assert both.status_code == 422 and "subject" in both.json()["errors"]
    rep_api = api_for(seller)
    assert (
        rep_api.post(
            "/api/v1/sales/forecast/targets",
            {"period": "1404", "amount": "1", "user_id": seller.pk},
        ).status_code
        == 403
    )
    assert rep_api.delete(f"/api/v1/sales/forecast/targets/{target.pk}").status_code == 403


def test_forecast_api_numbers(manager, api_for):
    seller = UserFactory(username="seller")
    board = Board()
    board.deal(seller, M(100), won_at=at(2025, 10, 1))
    board.deal(seller, M(100), stage=board.proposal, expected_close=dt.date(2025, 10, 10))
    body = api_for(manager).get("/api/v1/sales/forecast", {"period": "1404-07"}).json()
    assert body["period"]["start"] == "2025-09-23" and body["period"]["end"] == "2025-10-22"
    assert float(body["total"]["won"]) == 100_000_000
    assert float(body["total"]["weighted"]) == 50_000_000
    assert float(body["total"]["best_case"]) == 200_000_000
    bad = api_for(manager).get("/api/v1/sales/forecast", {"period": "1404-13"})
    assert bad.status_code == 422


def test_snapshot_command(manager):
    seller = UserFactory(username="seller")
    Board().deal(seller, M(100), won_at=at(2025, 10, 1))
    call_command("snapshot_forecast", "--date", "1404/07/15")
    assert ForecastSnapshot.objects.filter(taken_on=dt.date(2025, 10, 7), user=seller).count() == 4
    call_command("snapshot_forecast", "--enqueue", "--date", "2025-10-07")
    assert ForecastSnapshot.objects.filter(taken_on=dt.date(2025, 10, 7), user=seller).count() == 4
