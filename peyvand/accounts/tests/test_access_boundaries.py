"""Customers signed in to the portal and holders of an API token stay on their side of the
line: no staff page, no staff API operation, no other customer's data, no record their user may
not see. (The permission matrix checks the same per route; these say it outright.)"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from peyvand.accounts import permissions
from peyvand.accounts.models import ApiToken, ModuleSharing, Role
from peyvand.accounts.tests.factories import TeamFactory, UserFactory
from peyvand.accounts.tests.matrix_world import build_world
from peyvand.accounts.tests.route_inventory import api_operations, page_routes
from peyvand.accounts.tests.test_permission_matrix import (
    API_ARGS,
    API_PARAM,
    PAGE_ARGS,
    PAGE_PARAM,
    fill_arguments,
)
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.portal.auth import SESSION_KEY
from peyvand.service.models import TicketAttachment
from peyvand.service.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

STAFF_KINDS = {permissions.PERMISSION, permissions.LOGIN}


def portal_client(contact) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _staff_pages(world):
    for route in page_routes():
        if route.access.kind in STAFF_KINDS:
            yield "/" + fill_arguments(route.route, PAGE_PARAM, PAGE_ARGS, world)[1]


def _staff_operations(world):
    for operation in api_operations():
        if operation.access.kind in STAFF_KINDS:
            url = fill_arguments(operation.path, API_PARAM, API_ARGS, world)[1]
            yield operation.method, url


def _reached(response) -> bool:
    """Anything but a redirect to the staff sign-in page (the view never ran)."""
    if response.status_code != 302:
        return True
    return response["Location"].split("?")[0] != resolve_url(settings.LOGIN_URL)


@pytest.fixture
def world():
    return build_world()


def test_a_portal_customer_reaches_no_staff_page_or_api_operation(world):
    client = portal_client(world.customer)
    reached = []
    for url in _staff_pages(world):
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            if response.status_code != 405 and _reached(response):
                reached.append(f"{method} {url}: {response.status_code}")
    for method, url in _staff_operations(world):
        response = client.generic(method, url)
        if response.status_code != 401:
            reached.append(f"API {method} {url}: {response.status_code}")
    assert reached == []
    # The customer is still signed in to the portal afterwards (nothing above logged them out).
    assert client.get(resolve_url("portal:tickets")).status_code == 200


def test_an_api_token_opens_no_page(world):
    """Even an Administrator's token is only an API credential: pages ask to sign in."""
    admin = world.users["Administrator"]
    _, raw = ApiToken.issue(admin, "pages")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    reached = []
    for url in _staff_pages(world):
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            if response.status_code != 405 and _reached(response):
                reached.append(f"{method} {url}: {response.status_code}")
    assert reached == []


def test_an_api_token_is_not_a_portal_session(world):
    client = Client(headers={"Authorization": f"Bearer {world.tokens['Administrator']}"})
    ticket = world.records["ticket"]
    assert client.get("/api/v1/portal/me").status_code == 401
    assert client.get(f"/api/v1/portal/tickets/{ticket}").status_code == 401
    assert client.get(resolve_url("portal:ticket", ticket)).status_code == 302


def test_a_portal_customer_never_sees_another_customers_ticket(world):
    other_customer = ContactFactory()
    theirs = TicketFactory(contact=other_customer, subject="قرارداد محرمانه")
    attachment = TicketAttachment.objects.get(pk=world.records["attachment"])
    TicketAttachment.objects.filter(pk=attachment.pk).update(ticket=theirs, message=None)
    client = portal_client(world.customer)

    assert client.get(resolve_url("portal:ticket", theirs.pk)).status_code == 404
    assert client.get(f"/api/v1/portal/tickets/{theirs.pk}").status_code == 404
    assert client.get(resolve_url("portal:attachment", theirs.pk, attachment.pk)).status_code == 404
    assert "قرارداد محرمانه" not in client.get(resolve_url("portal:tickets")).content.decode()
    listed = client.get("/api/v1/portal/tickets").json()["items"]
    assert theirs.pk not in [t["id"] for t in listed]
    answer = client.post(
        f"/api/v1/portal/tickets/{theirs.pk}/messages",
        {"body": "سلام"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert not theirs.messages.exists()


def test_an_api_token_reads_only_what_its_user_may_see():
    """With team-only sharing, a token of one team cannot read another team's customer."""
    ModuleSharing.objects.update_or_create(
        module=permissions.CONTACTS, defaults={"scope": permissions.SHARE_TEAM}
    )
    rep_role = Role.objects.get(name="Sales representative")
    ours, theirs = TeamFactory(name="تیم ما"), TeamFactory(name="تیم آنها")
    me = UserFactory(username="token-rep", role=rep_role, team=ours)
    colleague = UserFactory(username="other-rep", role=rep_role, team=theirs)
    hidden = ContactFactory(owner=colleague, team=theirs, last_name="پنهان")
    mine = ContactFactory(owner=me, team=ours, last_name="پیدا")
    _, raw = ApiToken.issue(me, "integration")
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    assert client.get(f"/api/v1/contacts/{hidden.pk}").status_code == 404
    assert client.get(f"/api/v1/contacts/{mine.pk}").status_code == 200
    listed = [c["id"] for c in client.get("/api/v1/contacts").json()["items"]]
    assert mine.pk in listed and hidden.pk not in listed
    patched = client.patch(
        f"/api/v1/contacts/{hidden.pk}", {"last_name": "x"}, content_type="application/json"
    )
    assert patched.status_code == 404
    hidden.refresh_from_db()
    assert hidden.last_name == "پنهان"
