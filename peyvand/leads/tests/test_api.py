"""/api/v1/leads: capture with idempotency keys, lists, actions, set-up and the funnel."""

import pytest

from peyvand.accounts.services import set_module_sharing
from peyvand.leads.models import AssignmentRule, Lead, LeadForm, LeadStatus, ScoringRule

from .factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"
PERSON = {"name": "بهار نیک‌نام", "phone": "09127001122", "email": "bahar@example.com"}


def test_capture_from_an_integration(admin_api):
    response = admin_api.post(URL, {**PERSON, "channel": "whatsapp", "source": {"bot": "support"}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] and body["attached_to"] is None
    assert body["lead"]["phone"] == "+989127001122"
    assert body["lead"]["channel"] == "whatsapp"
    assert body["lead"]["source"] == {"bot": "support"}


def test_retries_with_the_same_idempotency_key_create_once(admin_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "shop-order-981"}
    first = admin_api.post(URL, PERSON, **headers)
    second = admin_api.post(URL, PERSON, **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["lead"]["id"] == second.json()["lead"]["id"]
    assert Lead.objects.count() == 1
    conflict = admin_api.post(URL, {**PERSON, "name": "دیگری"}, **headers)
    assert conflict.status_code == 409
    assert "detail" in conflict.json()


def test_a_known_person_is_attached_not_duplicated(admin_api):
    admin_api.post(URL, PERSON)
    response = admin_api.post(URL, {"phone": "+98 912 700 1122", "message": "باز هم سلام"})
    assert response.status_code == 200
    assert response.json()["attached_to"] == "lead"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "بی‌نشان"}, "__all__"),
        ({"phone": "abc"}, "phone"),
        ({"email": "x@"}, "email"),
        ({**PERSON, "channel": "fax"}, "channel"),
        ({**PERSON, "unknown": 1}, "unknown"),
        ({**PERSON, "company_size": -5}, "company_size"),
        ({**PERSON, "message": "م" * 6000}, "message"),
    ],
)
def test_bad_input_is_a_422_with_field_errors(admin_api, payload, field):
    response = admin_api.post(URL, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Lead.objects.exists()


def test_list_filters_and_pages_with_a_cursor(admin_api, django_assert_max_num_queries):
    owner = UserFactory()
    for _ in range(5):
        LeadFactory(owner=owner, status=LeadStatus.NEW)
    LeadFactory(status=LeadStatus.LOST, channel="event")
    with django_assert_max_num_queries(8):
        first = admin_api.get(URL, {"status": "new", "limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = admin_api.get(
        URL, {"status": "new", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    assert [i["status"] for i in admin_api.get(URL, {"channel": "event"}).json()["items"]] == [
        "lost"
    ]
    assert admin_api.get(URL, {"cursor": "garbage"}).status_code == 400
    assert admin_api.get(URL, {"status": "nope"}).status_code == 422


def test_get_explains_the_score_and_lists_assignments(admin_api):
    ScoringRule.objects.all().delete()
    ScoringRule.objects.create(label="ایمیل دارد", attribute="has_email", operator="is", points=15)
    lead_id = admin_api.post(URL, PERSON).json()["lead"]["id"]
    body = admin_api.get(f"{URL}/{lead_id}").json()
    assert body["score"] == 15
    assert body["score_explanation"][0]["label"] == "ایمیل دارد"
    assert body["assignments"][0]["rule_id"] is None


def test_patch_changes_only_what_is_sent(admin_api):
    lead_id = admin_api.post(URL, {**PERSON, "city": "یزد"}).json()["lead"]["id"]
    response = admin_api.patch(f"{URL}/{lead_id}", {"company": "آفتاب", "email": "new@example.com"})
    assert response.status_code == 200
    body = response.json()
    assert (body["company"], body["email"], body["city"], body["phone"]) == (
        "آفتاب",
        "new@example.com",
        "یزد",
        "+989127001122",
    )
    assert admin_api.patch(f"{URL}/{lead_id}", {"phone": "1"}).status_code == 422


def test_status_changes_need_a_reason_to_close(admin_api):
    lead_id = admin_api.post(URL, PERSON).json()["lead"]["id"]
    assert admin_api.post(f"{URL}/{lead_id}/status", {"status": "lost"}).status_code == 422
    response = admin_api.post(
        f"{URL}/{lead_id}/status", {"status": "lost", "reason": "price", "note": "گران"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["close_reason"]) == ("lost", "price")
    assert admin_api.post(f"{URL}/{lead_id}/status", {"status": "converted"}).status_code == 422


def test_assign_and_convert(admin_api):
    rep = UserFactory()
    lead_id = admin_api.post(URL, {**PERSON, "company": "نیلوفر"}).json()["lead"]["id"]
    assigned = admin_api.post(f"{URL}/{lead_id}/assign", {"user_id": rep.pk}).json()
    assert assigned["owner"]["id"] == rep.pk and assigned["first_response_due_at"]
    assert admin_api.post(f"{URL}/{lead_id}/convert", {}).status_code == 422  # not qualified
    admin_api.post(f"{URL}/{lead_id}/status", {"status": "qualified"})
    first = admin_api.post(f"{URL}/{lead_id}/convert", {}).json()
    again = admin_api.post(f"{URL}/{lead_id}/convert", {}).json()
    assert first["contact_id"] == again["contact_id"]
    assert first["company_id"] and first["lead"]["status"] == "converted"


def test_interactions_and_timeline(admin_api):
    lead_id = admin_api.post(URL, PERSON).json()["lead"]["id"]
    response = admin_api.post(
        f"{URL}/{lead_id}/interactions",
        {"kind": "call", "direction": "outbound", "outcome": "answered"},
    )
    assert response.status_code == 201
    assert admin_api.post(f"{URL}/{lead_id}/interactions", {"kind": "call"}).status_code == 422
    kinds = [e["kind"] for e in admin_api.get(f"{URL}/{lead_id}/timeline").json()]
    assert kinds[0] == "call" and "lead_created" in kinds
    assert admin_api.get(f"{URL}/{lead_id}").json()["first_contacted_at"]


def test_forms_rules_and_scoring_rules(admin_api):
    team = TeamFactory()
    form = admin_api.post(
        f"{URL}/forms",
        {
            "name": "فرم فروشگاه",
            "fields": [{"field": "phone", "required": True}, {"field": "name"}],
        },
    )
    assert form.status_code == 201, form.content
    assert form.json()["submit_url"].endswith(f"/leads/f/{form.json()['key']}/submit")
    bad_form = admin_api.post(f"{URL}/forms", {"name": "x", "fields": [{"field": "name"}]})
    assert bad_form.status_code == 422

    rule = admin_api.post(
        f"{URL}/rules",
        {
            "name": "اینستاگرام",
            "channels": ["instagram"],
            "assign_team_id": team.pk,
            "strategy": "least_open",
            "form_ids": [form.json()["id"]],
            "first_response_minutes": 15,
        },
    )
    assert rule.status_code == 201, rule.content
    assert rule.json()["form_ids"] == [form.json()["id"]]
    both = admin_api.post(
        f"{URL}/rules", {"name": "x", "assign_team_id": team.pk, "assign_user_id": UserFactory().pk}
    )
    assert both.status_code == 422
    patched = admin_api.patch(f"{URL}/rules/{rule.json()['id']}", {"is_active": False})
    assert patched.json()["is_active"] is False and patched.json()["channels"] == ["instagram"]
    assert admin_api.delete(f"{URL}/rules/{rule.json()['id']}").status_code == 204
    assert not AssignmentRule.objects.exists()

    scoring = admin_api.post(
        f"{URL}/scoring-rules",
        {
            "label": "بزرگ",
            "attribute": "company_size",
            "operator": "gte",
            "value": "100",
            "points": 20,
        },
    )
    assert scoring.status_code == 201
    assert (
        admin_api.post(
            f"{URL}/scoring-rules",
            {"label": "x", "attribute": "company_size", "operator": "is", "points": 1},
        ).status_code
        == 422
    )
    assert LeadForm.objects.count() == 1


def test_funnel_json(admin_api):
    LeadFactory(status=LeadStatus.CONVERTED)
    body = admin_api.get(f"{URL}/reports/funnel").json()
    assert body["total"]["leads"] == 1 and body["total"]["conversion_rate"] == 100.0
    assert body["by_channel"][0]["key"] == "website"
    assert admin_api.get(f"{URL}/reports/funnel", {"start": "not a date"}).status_code == 422


def test_a_lead_the_user_may_not_see_is_a_404(api_for):
    set_module_sharing("leads", "team")
    rep = UserFactory(team=TeamFactory())
    stranger_lead = LeadFactory(owner=UserFactory(team=TeamFactory()))
    api = api_for(rep)
    assert api.get(f"{URL}/{stranger_lead.pk}").status_code == 404
    assert api.post(f"{URL}/{stranger_lead.pk}/status", {"status": "qualified"}).status_code == 404
    assert stranger_lead.pk not in [i["id"] for i in api.get(URL).json()["items"]]


def test_the_api_documentation_lists_the_leads_routes(admin_client):
    schema = admin_client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/leads",
        "/api/v1/leads/{lead_id}/convert",
        "/api/v1/leads/reports/funnel",
    } <= paths
