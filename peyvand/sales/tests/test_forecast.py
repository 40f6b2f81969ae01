"""Forecast numbers on a known data set: Mehr 1404 (23 Sep - 22 Oct 2025), today 5 Oct 2025."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.core.periods import Period
from peyvand.sales import forecast
from peyvand.sales.models import DealStatus, ForecastSnapshot, SalesTarget

from .forecast_data import TEHRAN, Board, M, at, role_grants  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_grants")]

MEHR = Period.parse("1404-07")
TODAY = dt.date(2025, 10, 5)


@pytest.fixture(autouse=True)
def _tehran():
    with timezone.override(TEHRAN):
        yield


@pytest.fixture
def data():
    board = Board()
    sales = TeamFactory(name="فروش تهران")
    east = TeamFactory(name="شرق", parent=sales)
    manager = UserFactory(username="boss", role=RoleFactory(name="Manager"), team=sales)
    sales.manager = manager
    sales.save()
    a = UserFactory(username="a", team=sales, first_name="علی", last_name="احمدی")
    b = UserFactory(username="b", team=east, first_name="بهار", last_name="باقری")
    d = {}
    d["a_won"] = board.deal(a, M(100), won_at=at(2025, 9, 25))
    board.deal(a, M(50), won_at=at(2025, 9, 20))  # Shahrivar: not this period
    d["a_proposal"] = board.deal(
        a, M(200), stage=board.proposal, expected_close=dt.date(2025, 10, 10)
    )
    # 40 million toman are 400 million rials.
    board.deal(
        a, M(40), stage=board.negotiation, expected_close=dt.date(2025, 10, 20), currency="IRT"
    )
    board.deal(a, M(80), stage=board.lead, expected_close=dt.date(2025, 11, 30))  # next month
    # Overdue but still open: expected in the current period.
    board.deal(a, M(30), stage=board.proposal, expected_close=dt.date(2025, 9, 1))
    board.deal(a, M(90), stage=board.proposal)  # no expected close date: not forecast
    board.deal(a, M(500), lost=True, expected_close=dt.date(2025, 10, 1))
    board.deal(a, Decimal(1000), won_at=at(2025, 10, 1), currency="USD")
    board.deal(b, M(60), won_at=at(2025, 10, 22, 23, 30))  # last evening of Mehr
    board.deal(b, M(70), won_at=at(2025, 10, 23, 0, 10))  # first minutes of Aban
    board.deal(b, M(100), stage=board.negotiation, expected_close=dt.date(2025, 10, 1))
    for subject, amount in ((dict(user=a), 500), (dict(user=b), 200), (dict(team=sales), 1000)):
        target = SalesTarget(amount=M(amount), **subject)
        target.period = MEHR
        target.save()
    return {"board": board, "a": a, "b": b, "sales": sales, "east": east, "manager": manager, **d}


def _rows(result):
    return {row.name: row for row in result.users + result.teams}


def test_forecast_per_owner_team_and_total(data, admin_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        result = forecast.forecast_for(admin_user, MEHR, today=TODAY)
    rows = _rows(result)
    a, b = rows["علی احمدی"], rows["بهار باقری"]
    assert (a.won, a.weighted, a.open) == (M(100), M(100 + 320 + 15), M(200 + 400 + 30))
    assert (a.best_case, a.forecast, a.target, a.attainment) == (
        M(730),
        M(535),
        M(500),
        Decimal("20.0"),
    )
    assert (b.won, b.weighted, b.best_case, b.target, b.attainment) == (
        M(60),
        M(80),
        M(160),
        M(200),
        Decimal("30.0"),
    )
    # A team's numbers include its sub-teams.
    sales, east = rows["فروش تهران"], rows["شرق"]
    assert (east.won, east.weighted, east.target) == (M(60), M(80), None)
    assert (sales.won, sales.weighted, sales.target) == (M(160), M(515), M(1000))
    assert sales.attainment == Decimal("16.0")
    total = result.total
    assert (total.won, total.weighted, total.best_case, total.target) == (
        M(160),
        M(515),
        M(890),
        M(1000),
    )


def test_forecast_in_toman_converts_rial_deals(data, admin_user):
    result = forecast.forecast_for(admin_user, MEHR, currency="IRT", today=TODAY)
    assert result.total.won == M(16)
    assert result.total.target == M(100)


def test_other_currencies_are_reported_alone(data, admin_user):
    result = forecast.forecast_for(admin_user, MEHR, currency="USD", today=TODAY)
    assert result.total.won == Decimal(1000) and result.total.weighted == 0


def test_overdue_deals_count_only_in_the_current_period(data, admin_user):
    later = forecast.forecast_for(admin_user, MEHR, today=dt.date(2025, 11, 15))
    # Mehr is over: the overdue 30M deal (and the 100M one of B due 1 Oct) no longer count
    # as "overdue"; B's is still due within Mehr, so it stays.
    assert _rows(later)["علی احمدی"].open == M(600)


def test_a_representative_sees_only_their_own_numbers_under_hierarchy_sharing(data):
    from peyvand.accounts.services import set_module_sharing

    set_module_sharing("deals", "hierarchy")
    result = forecast.forecast_for(data["b"], MEHR, today=TODAY)
    assert [row.name for row in result.users] == ["بهار باقری"]
    assert result.teams == [] and result.total.won == M(60) and result.total.target is None
    boss = forecast.forecast_for(data["manager"], MEHR, today=TODAY)
    assert {row.name for row in boss.users} == {"علی احمدی", "بهار باقری"}
    assert {row.name for row in boss.teams} == {"فروش تهران", "شرق"}


def test_snapshots_and_historic_accuracy(data, admin_user, django_assert_max_num_queries):
    written = forecast.take_snapshots(today=dt.date(2025, 9, 24))
    assert written > 0
    # Re-running the same day replaces the rows.
    assert forecast.take_snapshots(today=dt.date(2025, 9, 24)) == written
    snap = ForecastSnapshot.objects.get(
        user=data["a"], period_kind="month", calendar="jalali", taken_on=dt.date(2025, 9, 24)
    )
    assert (snap.won, snap.weighted, snap.commit, snap.target) == (M(100), M(435), M(730), M(500))
    # Later the proposal is won: actual 300M against a forecast of 535M.
    deal = data["a_proposal"]
    deal.status, deal.stage, deal.won_at = DealStatus.WON, data["board"].won, at(2025, 10, 8)
    deal.save()
    with django_assert_max_num_queries(8):
        rows = forecast.accuracy(admin_user, MEHR, f"user:{data['a'].pk}")
    assert len(rows) == forecast.HISTORY_PERIODS
    mehr = rows[0]
    assert (mehr.forecast, mehr.best_case, mehr.actual) == (M(535), M(730), M(300))
    assert mehr.actual_vs_forecast == Decimal("56.1")
    assert rows[1].period.code == "1404-06" and rows[1].forecast is None
    assert rows[1].actual == M(50)
    company = forecast.accuracy(admin_user, MEHR, "all")[0]
    assert company.forecast == M(160 + 515) and company.target == M(1000)


def test_accuracy_of_someone_else_is_hidden(data):
    from peyvand.accounts.services import set_module_sharing

    set_module_sharing("deals", "hierarchy")
    from django.http import Http404

    with pytest.raises(Http404):
        forecast.accuracy(data["b"], MEHR, f"user:{data['a'].pk}")
    with pytest.raises(Http404):
        forecast.accuracy(data["b"], MEHR, "all")
    assert forecast.accuracy(data["manager"], MEHR, f"team:{data['east'].pk}")
