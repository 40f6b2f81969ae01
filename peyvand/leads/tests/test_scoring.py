"""Scoring: every point explained, recomputed on change, bands used by routing and lists."""

import datetime as dt

import pytest
import time_machine

from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Band, Channel, Lead, ScoringRule
from peyvand.leads.scoring import band_for, score_lead
from peyvand.leads.services import capture_lead, rescore_open_leads

from .factories import AssignmentRuleFactory, LeadFactory, ScoringRuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules():
    ScoringRule.objects.all().delete()
    return [
        ScoringRuleFactory(
            label="بزرگ", attribute="company_size", operator="gte", value="50", points=30
        ),
        ScoringRuleFactory(
            label="تهران", attribute="province", operator="in", value="تهران، البرز", points=20
        ),
        ScoringRuleFactory(label="ایمیل", attribute="has_email", operator="is", points=10),
        ScoringRuleFactory(
            label="دوباره", attribute="form_submits", operator="gte", value="2", points=25
        ),
        ScoringRuleFactory(
            label="رویداد", attribute="channel", operator="in", value="event", points=15
        ),
        ScoringRuleFactory(
            label="کهنه",
            attribute="days_since_last_activity",
            operator="gte",
            value="30",
            points=-40,
        ),
        ScoringRuleFactory(
            label="خاموش", attribute="has_phone", operator="is", points=99, is_active=False
        ),
    ]


def test_the_explanation_lists_every_point():
    lead = LeadFactory.build(
        company_size=120, province="تهران", email="a@example.com", form_submits=1
    )
    score, explanation = score_lead(lead)
    assert score == 60
    assert [(line["label"], line["points"]) for line in explanation] == [
        ("بزرگ", 30),
        ("تهران", 20),
        ("ایمیل", 10),
    ]
    assert explanation[0]["detail"] == 120
    assert explanation[0]["attribute"] == "company_size"


def test_text_conditions_ignore_spelling_variants():
    lead = LeadFactory.build(province="البرز ", email="")
    assert [line["label"] for line in score_lead(lead)[1]] == ["تهران"]


def test_the_score_stays_within_0_and_100():
    ScoringRuleFactory(label="big", attribute="has_phone", operator="is", points=100)
    lead = LeadFactory.build(company_size=500, province="تهران", email="a@example.com")
    assert score_lead(lead)[0] == 100
    ScoringRule.objects.all().delete()
    ScoringRuleFactory(attribute="has_phone", operator="is", points=-10)
    assert score_lead(LeadFactory.build())[0] == 0


@pytest.mark.parametrize(
    ("score", "band"), [(0, Band.COLD), (39, Band.COLD), (40, Band.WARM), (70, Band.HOT)]
)
def test_bands(score, band):
    assert band_for(score) == band


def test_bands_follow_settings(settings):
    settings.LEADS_HOT_SCORE, settings.LEADS_WARM_SCORE = 90, 10
    assert band_for(70) == Band.WARM


def test_a_second_form_submission_raises_the_score():
    data = LeadInput.from_data({"phone": "09121110000", "email": "b@example.com"})
    lead = capture_lead(channel=Channel.WEBSITE, data=data).lead
    assert lead.score == 10 and lead.band == Band.COLD
    capture_lead(channel=Channel.WEBSITE, data=data)
    lead.refresh_from_db()
    assert lead.form_submits == 2
    assert lead.score == 35
    assert "دوباره" in [line["label"] for line in lead.score_explanation]


def test_recency_lowers_the_score_over_time():
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        lead = capture_lead(
            channel=Channel.EVENT, data=LeadInput.from_data({"phone": "09121110001"})
        ).lead
    assert lead.score == 15
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        assert rescore_open_leads() == 1
    lead.refresh_from_db()
    assert lead.score == 0
    assert [line["label"] for line in lead.score_explanation] == ["رویداد", "کهنه"]


def test_the_band_drives_routing():
    hot_rep, rep = UserFactory(), UserFactory()
    AssignmentRuleFactory(order=1, bands=["hot"], assign_user=hot_rep)
    AssignmentRuleFactory(order=2, assign_user=rep)
    hot = capture_lead(
        channel=Channel.EVENT,
        data=LeadInput.from_data(
            {
                "phone": "09121110002",
                "email": "c@example.com",
                "company_size": "۲۰۰",
                "province": "تهران",
            }
        ),
    ).lead
    cold = capture_lead(
        channel=Channel.API, data=LeadInput.from_data({"phone": "09121110003"})
    ).lead
    assert (hot.band, hot.owner) == (Band.HOT, hot_rep)
    assert (cold.band, cold.owner) == (Band.COLD, rep)


def test_editing_a_scoring_rule_rescores_open_leads(
    admin_client, django_capture_on_commit_callbacks
):
    lead = capture_lead(
        channel=Channel.WEBSITE,
        data=LeadInput.from_data({"phone": "09121110004", "email": "d@example.com"}),
    ).lead
    assert lead.score == 10
    email_rule = ScoringRule.objects.get(label="ایمیل")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/leads/scoring/{email_rule.pk}/",
            {
                "label": "ایمیل",
                "attribute": "has_email",
                "operator": "is",
                "value": "",
                "points": "35",
                "is_active": "on",
            },
        )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.score == 35


def test_a_scoring_rule_with_a_mismatched_operator_is_refused(admin_client):
    response = admin_client.post(
        "/leads/scoring/new/",
        {
            "label": "x",
            "attribute": "company_size",
            "operator": "in",
            "value": "big",
            "points": "5",
        },
    )
    assert response.status_code == 422
    assert not ScoringRule.objects.filter(label="x").exists()


def test_the_lead_page_explains_the_score(admin_client):
    lead = capture_lead(
        channel=Channel.WEBSITE,
        data=LeadInput.from_data(
            {"phone": "09121110005", "email": "e@example.com", "company_size": "80"}
        ),
    ).lead
    page = admin_client.get(lead.get_absolute_url()).content.decode()
    assert "بزرگ" in page and "ایمیل" in page
    assert Lead.objects.get(pk=lead.pk).score == 40
