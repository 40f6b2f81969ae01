"""Satisfaction surveys: sent by e-mail and SMS when a ticket is resolved, answered once on a
public page (or the API) with one click, stored on the ticket and the customer's timeline."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from peyvand.core import sms
from peyvand.service import services
from peyvand.service.models import CsatSurvey, hash_csat_token
from peyvand.timeline.models import TimelineEntry

from .factories import ContactFactory, agent

pytestmark = pytest.mark.django_db
TOKEN_RE = re.compile(r"/service/csat/([A-Za-z0-9_\-]+)/")


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "locmem"
    settings.PORTAL_SITE_URL = "https://crm.example.com"
    settings.SERVICE_CSAT_CHANNELS = "email,sms"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def worker(db):
    return agent("worker")


@pytest.fixture
def customer(db):
    return ContactFactory(primary_email="sara@example.com", primary_phone="+989121234567")


def resolve(ticket, worker, capture):
    with capture(execute=True):
        services.change_status(ticket, "resolved", user=worker)


def open_ticket(worker, **data):
    return services.open_ticket(
        user=worker,
        data={"subject": "فاکتور اشتباه", "channel": "phone", "assignee": worker, **data},
    )


def token_from_outbox() -> str:
    return TOKEN_RE.search(mail.outbox[-1].body)[1]


def test_resolution_sends_the_survey_by_email_and_sms(
    worker, customer, django_capture_on_commit_callbacks
):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.sent_via == ["email", "sms"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sara@example.com"]
    token = token_from_outbox()
    assert f"https://crm.example.com/service/csat/{token}/?rating=5" in mail.outbox[0].body
    assert sms.outbox[0].to == "+989121234567" and token in sms.outbox[0].text
    # Only the hash is stored, and the token is long and random.
    assert survey.token_hash == hash_csat_token(token) and token not in survey.token_hash
    assert len(token) >= 40


def test_one_survey_per_resolution(worker, customer, django_capture_on_commit_callbacks):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "closed", user=worker)
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "reopened", user=worker)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 2


def test_no_survey_without_an_address(worker, django_capture_on_commit_callbacks):
    ticket = open_ticket(worker, requester_name="ناشناس")
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    assert not CsatSurvey.objects.exists() and not mail.outbox and not sms.outbox


def test_sms_only_requester(worker, settings, django_capture_on_commit_callbacks):
    ticket = open_ticket(worker, requester_name="تلفنی", requester_phone="09121112233")
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    assert CsatSurvey.objects.get(ticket=ticket).sent_via == ["sms"]
    assert sms.outbox[0].to == "+989121112233"


def test_one_click_answer_is_stored_on_the_ticket_and_timeline(
    worker, customer, django_capture_on_commit_callbacks
):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    anonymous = Client()
    page = anonymous.get(reverse("service:csat", args=[token]) + "?rating=4")
    assert page.status_code == 200
    assert 'name="rating" value="1"' in page.content.decode()
    answer = anonymous.post(
        reverse("service:csat", args=[token]), {"rating": "4", "comment": "  سریع و دقیق  "}
    )
    assert answer.status_code == 200
    survey = ticket.csat_surveys.get()
    assert (survey.rating, survey.comment) == (4, "سریع و دقیق")
    assert survey.answered_at is not None
    entry = TimelineEntry.objects.get(kind="csat_answered")
    assert entry.contact == customer and entry.data["rating"] == 4
    assert entry.body == "سریع و دقیق"


def test_token_is_single_use(worker, customer, django_capture_on_commit_callbacks):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    url = reverse("service:csat", args=[token])
    assert Client().post(url, {"rating": "5"}).status_code == 200
    again = Client().post(url, {"rating": "1"})
    assert again.status_code == 410
    assert ticket.csat_surveys.get().rating == 5
    assert Client().get(url).status_code == 410
    assert TimelineEntry.objects.filter(kind="csat_answered").count() == 1


def test_bad_token_gets_a_clear_404_page(db):
    response = Client().get(reverse("service:csat", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "service/csat/unavailable.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_bad_rating_is_refused_and_nothing_is_stored(
    rating, worker, customer, django_capture_on_commit_callbacks
):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    response = Client().post(reverse("service:csat", args=[token]), {"rating": rating})
    assert response.status_code == 422
    survey = ticket.csat_surveys.get()
    assert survey.rating is None and survey.answered_at is None


def test_expired_survey(worker, customer, django_capture_on_commit_callbacks, time_machine):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    survey = ticket.csat_surveys.get()
    time_machine.move_to(survey.expires_at)
    assert Client().post(reverse("service:csat", args=[token]), {"rating": "5"}).status_code == 410


def test_public_page_is_rate_limited(db, settings):
    settings.SERVICE_CSAT_RATE_PER_IP = 3
    anonymous = Client()
    codes = [
        anonymous.get(reverse("service:csat", args=[f"guess{n}"])).status_code for n in range(5)
    ]
    assert codes == [404, 404, 404, 429, 429]


def test_answer_through_the_api_without_login(worker, customer, django_capture_on_commit_callbacks):
    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    token = token_from_outbox()
    anonymous = Client()
    url = f"/api/v1/service/sla/csat/{token}"
    bad = anonymous.post(url, {"rating": 9}, content_type="application/json")
    assert bad.status_code == 422 and "rating" in bad.json()["errors"]
    ok = anonymous.post(url, {"rating": 3, "comment": "خوب"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["rating"] == 3
    assert anonymous.post(url, {"rating": 3}, content_type="application/json").status_code == 410
    missing = anonymous.post(
        "/api/v1/service/sla/csat/nope", {"rating": 3}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_ticket_panel_shows_the_answer(worker, customer, django_capture_on_commit_callbacks):
    from django.template.loader import render_to_string

    ticket = open_ticket(worker, contact=customer)
    resolve(ticket, worker, django_capture_on_commit_callbacks)
    Client().post(
        reverse("service:csat", args=[token_from_outbox()]), {"rating": "2", "comment": "کند"}
    )
    html = render_to_string("service/sla_panel.html", {"ticket": ticket})
    assert "کند" in html
