"""/api/v1/sales: pipelines, deals, moving, won/lost, stage history, board totals."""

from decimal import Decimal

import pytest

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales.models import Deal, DealStatus

from .factories import DealFactory, LostReasonFactory, make_pipeline, stages

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sales"


@pytest.fixture
def pipeline():
    return make_pipeline()


def test_create_get_update_deal(rep_api, rep, pipeline):
    contact = ContactFactory(owner=rep)
    response = rep_api.post(
        f"{BASE}/deals",
        {
            "title": "قرارداد سالانه",
            "contact_id": contact.pk,
            "pipeline_id": pipeline.pk,
            "amount": "125000000",
            "expected_close": "1403/06/31",
            "lines": [{"name": "لایسنس", "quantity": "2", "unit_price": "1000"}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "125000000.00"
    assert body["owner"]["id"] == rep.pk
    assert body["stage"]["id"] == stages(pipeline)[0].pk
    assert body["lines"][0]["total"] == "2000.00"
    deal_id = body["id"]
    assert rep_api.get(f"{BASE}/deals/{deal_id}").json()["expected_close"] == "2024-09-21"
    response = rep_api.patch(f"{BASE}/deals/{deal_id}", {"title": "قرارداد دو ساله"})
    assert response.status_code == 200
    assert response.json()["title"] == "قرارداد دو ساله"
    assert response.json()["amount"] == "125000000.00"


def test_bad_input_answers_400_with_field_errors(rep_api, pipeline):
    response = rep_api.post(
        f"{BASE}/deals", {"title": "", "amount": "-5", "pipeline_id": pipeline.pk}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"title", "amount", "contact"} <= set(errors)
    assert not Deal.objects.exists()
    response = rep_api.post(f"{BASE}/deals", {"title": "x", "amount": 1.5})
    assert response.status_code == 422


def test_move_enforces_required_fields_and_records_history(rep_api, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, amount=Decimal(0))
    proposal = stages(pipeline)[2]
    response = rep_api.post(f"{BASE}/deals/{deal.pk}/move", {"stage_id": proposal.pk})
    assert response.status_code == 422
    assert "amount" in response.json()["errors"]
    rep_api.patch(f"{BASE}/deals/{deal.pk}", {"amount": "5000"})
    response = rep_api.post(f"{BASE}/deals/{deal.pk}/move", {"stage_id": proposal.pk})
    assert response.status_code == 200
    assert response.json()["stage"]["id"] == proposal.pk
    history = rep_api.get(f"{BASE}/deals/{deal.pk}/stage-history").json()
    assert history[-1]["to_stage_id"] == proposal.pk
    assert history[-1]["changed_by"]["id"] == rep.pk


def test_won_and_lost(rep_api, rep, pipeline):
    reason = LostReasonFactory()
    a = DealFactory(pipeline=pipeline, owner=rep)
    b = DealFactory(pipeline=pipeline, owner=rep)
    assert rep_api.post(f"{BASE}/deals/{a.pk}/won").json()["status"] == "won"
    assert rep_api.post(f"{BASE}/deals/{b.pk}/lost", {}).status_code == 422
    body = rep_api.post(
        f"{BASE}/deals/{b.pk}/lost", {"lost_reason_id": reason.pk, "note": "گران"}
    ).json()
    assert body["status"] == "lost" and body["lost_reason"]["id"] == reason.pk
    assert rep_api.post(f"{BASE}/deals/{b.pk}/reopen").json()["status"] == "open"


def test_list_filters_and_keyset_pages(rep_api, rep, pipeline):
    other = UserFactory()
    for _ in range(3):
        DealFactory(pipeline=pipeline, owner=rep)
    DealFactory(pipeline=pipeline, owner=other)
    DealFactory(pipeline=pipeline, owner=rep, status=DealStatus.WON)
    page = rep_api.get(f"{BASE}/deals", {"owner": "me", "status": "open", "limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = rep_api.get(
        f"{BASE}/deals", {"owner": "me", "status": "open", "cursor": page["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [d["id"] for d in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert rep_api.get(f"{BASE}/deals", {"status": "nope"}).status_code == 422
    assert rep_api.get(f"{BASE}/deals", {"close_month": "13-99"}).status_code == 422
    assert rep_api.get(f"{BASE}/deals", {"cursor": "garbage"}).status_code == 400


def test_board_summary(rep_api, rep, pipeline):
    first, second, *_ = stages(pipeline)
    DealFactory(pipeline=pipeline, stage=first, owner=rep, amount=Decimal("1000"))
    DealFactory(pipeline=pipeline, stage=first, owner=rep, amount=Decimal("3000"))
    DealFactory(pipeline=pipeline, stage=second, owner=rep, amount=Decimal("500"), currency="USD")
    body = rep_api.get(f"{BASE}/pipelines/{pipeline.pk}/board").json()
    columns = {c["stage"]["id"]: c for c in body["columns"]}
    assert columns[first.pk]["count"] == 2
    assert columns[first.pk]["totals"] == [
        {"currency": "IRR", "amount": "4000.00", "weighted": "400.00"}
    ]
    assert columns[second.pk]["totals"][0]["currency"] == "USD"
    assert len(body["columns"]) == 4  # open stages only


def test_pipeline_crud_needs_setup_permission(rep_api, admin_api):
    stages_in = [
        {"name": "اول", "probability": 20},
        {"name": "برد", "probability": 100, "kind": "won"},
    ]
    assert rep_api.post(f"{BASE}/pipelines", {"name": "x", "stages": stages_in}).status_code == 403
    response = admin_api.post(f"{BASE}/pipelines", {"name": "پروژه‌ای", "stages": stages_in})
    assert response.status_code == 201
    body = response.json()
    assert [s["name"] for s in body["stages"]] == ["اول", "برد"]
    stage_ids = [s["id"] for s in body["stages"]]
    response = admin_api.patch(
        f"{BASE}/pipelines/{body['id']}",
        {
            "rotting_days": 7,
            "stages": [
                {"id": stage_ids[1], "name": "برد", "probability": 100, "kind": "won"},
                {"id": stage_ids[0], "name": "اول", "probability": 30},
                {"name": "دوم", "probability": 60, "required_fields": ["amount"]},
            ],
        },
    )
    assert response.status_code == 200, response.json()
    assert [s["name"] for s in response.json()["stages"]] == ["برد", "اول", "دوم"]
    bad = admin_api.patch(
        f"{BASE}/pipelines/{body['id']}",
        {"stages": [{"name": "x", "probability": 150, "required_fields": ["nope"]}]},
    )
    assert bad.status_code == 422
    assert rep_api.get(f"{BASE}/pipelines").status_code == 200


def test_invisible_deal_is_404_and_no_permission_is_403(api_for, pipeline, settings):
    from peyvand.accounts.models import ModuleSharing

    owner = UserFactory()
    outsider = UserFactory()
    deal = DealFactory(pipeline=pipeline, owner=owner)
    ModuleSharing.objects.update_or_create(module="deals", defaults={"scope": "hierarchy"})
    api = api_for(outsider)
    assert api.get(f"{BASE}/deals/{deal.pk}").status_code == 404
    assert api.post(f"{BASE}/deals/{deal.pk}/won").status_code == 404
    no_role = UserFactory(role=None)
    assert api_for(no_role).get(f"{BASE}/deals").status_code == 403
