"""Who may see, compute, review, approve and export commission statements (pages and API)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.commissions import services
from peyvand.commissions.models import CommissionPlan, CommissionStatement, StatementStatus
from peyvand.core.periods import Period
from peyvand.sales.tests.forecast_data import TEHRAN, Board, M, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_grants")]

MEHR = Period.parse("1404-07")


@pytest.fixture(autouse=True)
def _tehran():
    with timezone.override(TEHRAN):
        yield


@pytest.fixture
def setup():
    set_module_sharing("commissions", "hierarchy")
    team = TeamFactory()
    manager = UserFactory(username="boss", role=RoleFactory(name="Manager"))
    team.manager = manager
    team.save()
    seller = UserFactory(username="seller", team=team)
    other = UserFactory(username="other", team=TeamFactory())
    plan = CommissionPlan.objects.create(
        name="پایه", rate=Decimal(2), effective_from=dt.date(2025, 1, 1)
    )
    plan.teams.add(team)
    plan.users.add(other)
    board = Board()
    board.deal(seller, M(100), won_at=at(2025, 10, 1), title="قرارداد الف")
    board.deal(other, M(100), won_at=at(2025, 10, 1))
    mine = services.compute_statement(seller, MEHR)
    theirs = services.compute_statement(other, MEHR)
    return {"manager": manager, "seller": seller, "other": other, "mine": mine, "theirs": theirs}


def test_a_representative_sees_only_their_own_statement(
    client, setup, django_assert_max_num_queries
):
    client.force_login(setup["seller"])
    with django_assert_max_num_queries(12):
        page = client.get("/commissions/")
    html = page.content.decode()
    assert setup["mine"].get_absolute_url() in html
    assert setup["theirs"].get_absolute_url() not in html
    detail = client.get(setup["mine"].get_absolute_url())
    assert detail.status_code == 200 and "قرارداد الف" in detail.content.decode()
    assert "۲٬۰۰۰٬۰۰۰" in detail.content.decode()
    assert client.get(setup["theirs"].get_absolute_url()).status_code == 404
    assert client.post(f"/commissions/statements/{setup['mine'].pk}/review/").status_code == 403
    assert client.get(f"/commissions/statements/{setup['mine'].pk}.csv").status_code == 403
    assert client.get("/commissions/plans/").status_code == 403


def test_users_without_the_module_get_403(client, api_for):
    nobody = UserFactory(username="nobody", role=RoleFactory(name="Read only"))
    client.force_login(nobody)
    assert client.get("/commissions/").status_code == 403
    assert api_for(nobody).get("/api/v1/commissions/statements").status_code == 403


def test_manager_reviews_approves_and_exports(client, setup):
    client.force_login(setup["manager"])
    url = setup["mine"].get_absolute_url()
    assert client.post(f"{url}approve/").status_code == 302  # not reviewed: refused, message
    assert CommissionStatement.objects.get(pk=setup["mine"].pk).status == StatementStatus.DRAFT
    client.post(f"{url}review/")
    client.post(f"{url}approve/")
    statement = CommissionStatement.objects.get(pk=setup["mine"].pk)
    assert statement.status == StatementStatus.APPROVED
    response = client.get(f"/commissions/statements/{statement.pk}.csv")
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "قرارداد الف" in body and "2000000.00" in body
    # Locked: recompute is refused with a message, the numbers stay.
    client.post(f"{url}recompute/")
    assert CommissionStatement.objects.get(pk=statement.pk).total == M(2)
    bad = client.post(f"{url}adjust/", {"amount": "abc", "reason": ""})
    assert bad.status_code == 422
    ok = client.post(f"{url}adjust/", {"amount": "-۵۰۰٬۰۰۰", "reason": "مرجوعی"})
    assert ok.status_code == 302 and statement.corrections.get().amount == Decimal("-500000")


def test_compute_form_rejects_a_bad_period(client, setup):
    client.force_login(setup["manager"])
    response = client.post(
        "/commissions/compute/", {"user": setup["seller"].pk, "period": "1404-99"}
    )
    assert response.status_code == 422
    assert "period" in response.context["compute_form"].errors


def test_api_compute_review_approve(setup, api_for):
    api = api_for(setup["manager"])
    created = api.post(
        "/api/v1/commissions/statements/compute",
        {"user_id": setup["seller"].pk, "period": "1404-08"},
    )
    assert created.status_code == 200 and created.json()["status"] == "draft"
    pk = setup["mine"].pk
    assert api.post(f"/api/v1/commissions/statements/{pk}/approve").status_code == 422
    assert api.post(f"/api/v1/commissions/statements/{pk}/review").json()["status"] == "reviewed"
    approved = api.post(f"/api/v1/commissions/statements/{pk}/approve").json()
    assert approved["status"] == "approved" and approved["lines"][0]["commission"] == "2000000.00"
    assert api.post(f"/api/v1/commissions/statements/{pk}/recompute").status_code == 422
    bad = api.post("/api/v1/commissions/statements/compute", {"user_id": 0, "period": "x"})
    assert bad.status_code == 422 and "period" in bad.json()["errors"]
    own = api_for(setup["seller"])
    assert own.get(f"/api/v1/commissions/statements/{setup['theirs'].pk}").status_code == 404
    assert own.post(f"/api/v1/commissions/statements/{pk}/review").status_code == 403
    listed = [s["id"] for s in own.get("/api/v1/commissions/statements").json()["items"]]
    assert listed == [created.json()["id"], pk]  # newest period first; not the other person's


def test_nobody_approves_their_own_statement(setup, api_for):
    boss = setup["manager"]
    CommissionPlan.objects.get().users.add(boss)
    statement = services.compute_statement(boss, MEHR)
    services.review(statement, by=boss)
    response = api_for(boss).post(f"/api/v1/commissions/statements/{statement.pk}/approve")
    assert response.status_code == 403


def test_plans_api_and_page(client, setup, api_for):
    api = api_for(setup["manager"])
    response = api.post(
        "/api/v1/commissions/plans",
        {
            "name": "پلکانی",
            "rate": "2",
            "effective_from": "2025-03-21",
            "user_ids": [setup["seller"].pk],
            "tiers": [{"attainment_from": "100", "rate": "5"}],
        },
    )
    assert response.status_code == 201 and response.json()["tiers"][0]["rate"] == "5.000"
    bad = api.post(
        "/api/v1/commissions/plans",
        {"name": "x", "rate": "120", "effective_from": "2025-03-21", "basis": "nope"},
    )
    assert bad.status_code == 422 and {"rate", "basis"} <= set(bad.json()["errors"])
    assert api_for(setup["seller"]).get("/api/v1/commissions/plans").status_code == 403
    client.force_login(setup["manager"])
    page = client.post(
        "/commissions/plans/new/",
        {
            "name": "طرح سود",
            "basis": "order_profit",
            "rate": "۳",
            "currency": "IRR",
            "effective_from": "1404/01/01",
            "is_active": "on",
            "tiers": "100 = 5\n150 = 8",
        },
    )
    assert page.status_code == 302
    plan = CommissionPlan.objects.get(name="طرح سود")
    assert plan.effective_from == dt.date(2025, 3, 21) and plan.tiers.count() == 2
    invalid = client.post(
        "/commissions/plans/new/",
        {
            "name": "x",
            "basis": "deal_amount",
            "rate": "200",
            "currency": "IRR",
            "effective_from": "1404/01/01",
            "tiers": "abc",
        },
    )
    assert invalid.status_code == 422
    assert {"rate", "tiers"} <= set(invalid.context["form"].errors)
    assert client.get(f"/commissions/plans/{plan.pk}/").status_code == 200
