"""/api/v1/portal: the same sign-in and isolation rules as the pages, as JSON."""

import re

import pytest
from django.core import mail
from django.test import Client

from peyvand.contacts.tests.factories import ContactFactory, EmailFactory
from peyvand.portal.auth import SESSION_KEY
from peyvand.service import services as desk
from peyvand.service.models import TicketChannel
from peyvand.service.tests.factories import agent

pytestmark = pytest.mark.django_db

API = "/api/v1/portal"


def post(client, path, data):
    return client.post(f"{API}{path}", data, content_type="application/json")


@pytest.fixture
def customer():
    contact = ContactFactory(first_name="مینا", last_name="رحیمی")
    EmailFactory(contact=contact, address="mina@example.ir", is_primary=True)
    return contact


@pytest.fixture
def signed_in(client, customer):
    session = client.session
    session[SESSION_KEY] = customer.pk
    session.save()
    return client


def test_sign_in_with_a_code_over_the_api(client, customer):
    assert post(client, "/auth/code", {"identifier": "mina@example.ir"}).status_code == 202
    unknown = post(Client(), "/auth/code", {"identifier": "nobody@example.ir"})
    assert unknown.status_code == 202
    assert unknown.json() == post(client, "/auth/code", {"identifier": "x@example.ir"}).json()
    post(client, "/auth/code", {"identifier": "mina@example.ir"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = post(client, "/auth/verify", {"code": "abc"})
    assert wrong.status_code == 422
    assert "code" in wrong.json()["errors"]
    response = post(client, "/auth/verify", {"code": code})
    assert response.status_code == 200
    assert response.json() == {"id": customer.pk, "name": "مینا رحیمی"}
    assert client.get(f"{API}/me").json()["id"] == customer.pk


def test_tickets_are_only_the_customers_own(signed_in, customer):
    mine = desk.open_ticket(
        user=None, data={"subject": "مال من", "channel": TicketChannel.PHONE, "contact": customer}
    )
    theirs = desk.open_ticket(
        user=None,
        data={"subject": "مال دیگری", "channel": TicketChannel.PHONE, "contact": ContactFactory()},
    )
    desk.add_note(mine, user=agent(), body="یادداشت محرمانه")
    items = signed_in.get(f"{API}/tickets").json()["items"]
    assert [t["id"] for t in items] == [mine.pk]
    detail = signed_in.get(f"{API}/tickets/{mine.pk}").json()
    assert detail["messages"] == []  # the internal note is not part of the conversation
    assert signed_in.get(f"{API}/tickets/{theirs.pk}").status_code == 404
    response = post(signed_in, f"/tickets/{theirs.pk}/messages", {"body": "سلام"})
    assert response.status_code == 404


def test_open_and_reply_over_the_api(signed_in, customer):
    response = post(signed_in, "/tickets", {"subject": "ورود ممکن نیست", "description": "خطا"})
    assert response.status_code == 201
    ticket_id = response.json()["id"]
    response = post(signed_in, f"/tickets/{ticket_id}/messages", {"body": "هنوز خطا دارم"})
    assert response.status_code == 201
    assert response.json()["messages"][-1]["body"] == "هنوز خطا دارم"
    assert post(signed_in, "/tickets", {"subject": "", "description": "x"}).status_code == 422


def test_staff_credentials_are_not_a_portal_session(admin_client, admin_api):
    assert admin_client.get(f"{API}/tickets").status_code == 401
    assert admin_api.get(f"{API}/tickets").status_code == 401


def test_unsafe_calls_need_the_csrf_token(customer):
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session[SESSION_KEY] = customer.pk
    session.save()
    response = post(client, "/tickets", {"subject": "بدون توکن", "description": "x"})
    assert response.status_code == 403
