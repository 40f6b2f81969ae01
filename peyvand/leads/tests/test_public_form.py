"""The public web-form endpoint, over real HTTP against a running server."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from peyvand.leads.models import Channel, Lead, LeadForm
from peyvand.leads.public import HONEYPOT_FIELD

from .factories import LeadFormFactory

pytestmark = pytest.mark.django_db(transaction=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def send(url, body: bytes | None = None, *, method="POST", headers=None):
    """(status, headers, body text) of a real HTTP request; 4xx/5xx are answers, not errors."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def post_form(url, fields: dict, **headers):
    body = urllib.parse.urlencode(fields).encode()
    return send(url, body, headers={"Content-Type": "application/x-www-form-urlencoded", **headers})


def post_json(url, payload, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return send(
        url,
        body,
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )


@pytest.fixture
def web_form():
    return LeadFormFactory(
        name="درخواست دمو",
        product="CRM",
        consent_text="با دریافت پیامک موافقم",
        success_message="ممنون! به‌زودی تماس می‌گیریم.",
    )


@pytest.fixture
def submit_url(live_server, web_form):
    return f"{live_server.url}/leads/f/{web_form.key}/submit"


GOOD = {"name": "پرهام شریفی", "phone": "0912 765 4321", "city": "کرج", "consent": "1"}


def test_the_hosted_page_shows_the_designed_form(live_server, web_form):
    status, _headers, page = send(f"{live_server.url}/leads/f/{web_form.key}/", method="GET")
    assert status == 200
    assert "درخواست دمو" in page
    assert 'name="phone"' in page and 'name="city"' in page and 'name="company"' not in page
    assert f'name="{HONEYPOT_FIELD}"' in page
    assert "با دریافت پیامک موافقم" in page


def test_a_plain_html_form_post_creates_a_lead_and_thanks_the_visitor(submit_url, web_form):
    status, _headers, page = post_form(
        submit_url,
        GOOD,
        Referer="https://shop.example/landing?utm_source=google&utm_campaign=nowruz",
    )
    assert status == 200
    assert "ممنون! به‌زودی تماس می‌گیریم." in page
    lead = Lead.objects.get()
    assert (lead.phone, lead.city, lead.product, lead.form) == (
        "+989127654321",
        "کرج",
        "CRM",
        web_form,
    )
    assert lead.channel == Channel.WEBSITE
    assert lead.consent and lead.consent_text == "با دریافت پیامک موافقم"
    assert lead.source["utm_source"] == "google" and lead.source["utm_campaign"] == "nowruz"
    assert lead.source_name == "درخواست دمو"
    assert lead.form_submits == 1


def test_a_redirect_is_used_when_the_form_has_one(submit_url, web_form):
    LeadForm.objects.filter(pk=web_form.pk).update(redirect_url="https://shop.example/thanks")
    status, headers, _page = post_form(submit_url, GOOD)
    assert status == 303
    assert headers["Location"] == "https://shop.example/thanks"
    assert Lead.objects.count() == 1


def test_the_javascript_variant_posts_json_cross_origin(submit_url):
    status, headers, body = post_json(
        submit_url,
        {**GOOD, "utm_medium": "cpc", "page_url": "https://shop.example/p"},
        Origin="https://shop.example",
    )
    assert status == 200
    assert json.loads(body) == {"ok": True, "message": "ممنون! به‌زودی تماس می‌گیریم."}
    assert headers["Access-Control-Allow-Origin"] == "*"
    lead = Lead.objects.get()
    assert lead.source["utm_medium"] == "cpc"
    assert lead.source["origin"] == "https://shop.example"


def test_the_cors_preflight_is_answered(submit_url):
    status, headers, _body = send(
        submit_url,
        method="OPTIONS",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]


def test_missing_required_fields_are_listed(submit_url):
    status, headers, body = post_json(submit_url, {"city": "کرج"})
    assert status == 422
    errors = json.loads(body)["errors"]
    assert {"name", "phone", "consent"} <= set(errors)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert not Lead.objects.exists()


def test_a_plain_form_with_errors_is_shown_again_with_them(submit_url):
    status, _headers, page = post_form(submit_url, {**GOOD, "phone": "123"})
    assert status == 422
    assert 'role="alert"' in page and 'name="phone"' in page
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"name": {"nested": true}}', "application/json"),
        (b"\xff\xfe\x00garbage\x81", "application/x-www-form-urlencoded"),
        (b"<xml/>", "application/xml"),
    ],
)
def test_garbage_is_refused(submit_url, body, content_type):
    status, _headers, text = send(
        submit_url, body, headers={"Content-Type": content_type, "Accept": "application/json"}
    )
    assert status == 400
    assert "detail" in json.loads(text)
    assert not Lead.objects.exists()


def test_an_oversized_submission_is_refused(submit_url):
    status, _headers, body = post_json(submit_url, {**GOOD, "message": "ب" * 20_000})
    assert status == 413
    assert json.loads(body)["detail"]
    assert not Lead.objects.exists()


def test_a_wrong_or_switched_off_key_is_refused(live_server, web_form):
    status, _headers, _body = post_json(f"{live_server.url}/leads/f/not-the-key/submit", GOOD)
    assert status == 404
    LeadForm.objects.filter(pk=web_form.pk).update(is_active=False)
    status, _headers, _body = post_json(f"{live_server.url}/leads/f/{web_form.key}/submit", GOOD)
    assert status == 404
    assert not Lead.objects.exists()


def test_the_honeypot_looks_like_success_but_stores_nothing(submit_url):
    status, _headers, body = post_json(submit_url, {**GOOD, HONEYPOT_FIELD: "http://spam.example"})
    assert status == 200 and json.loads(body)["ok"]
    assert not Lead.objects.exists()


def test_a_flood_is_rate_limited(submit_url, settings):
    settings.LEADS_FORM_RATE_PER_IP = 3
    answers = [post_json(submit_url, {**GOOD, "phone": f"0912765000{i}"})[0] for i in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert Lead.objects.count() == 3


def test_a_retried_submission_is_stored_once(submit_url):
    payload = {**GOOD, "submission_id": "7b3c0f3e-1"}
    assert post_json(submit_url, payload)[0] == 200
    assert post_json(submit_url, payload)[0] == 200
    lead = Lead.objects.get()
    assert lead.inquiries == 1


def test_get_is_not_a_submission(submit_url):
    status, _headers, _body = send(submit_url, method="GET")
    assert status == 405
