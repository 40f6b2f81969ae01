"""Who may do what: 403 without the module permission, 404 for tickets one may not see, on the
pages and the API alike; bad input answers 4xx with the field named, never 500."""

import pytest
from django.urls import reverse

from peyvand.accounts.services import set_module_sharing
from peyvand.service.models import RoutingRule, Ticket
from peyvand.service.services import open_ticket

from .factories import TeamFactory, TicketFactory, UserFactory, agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    return open_ticket(user=None, data={"subject": "کمک", "channel": "phone"})


@pytest.fixture
def team_only():
    set_module_sharing("tickets", "team")


def _pages(ticket):
    return [
        reverse("service:queue_mine"),
        reverse("service:queue_team"),
        reverse("service:queue_unassigned"),
        reverse("service:tickets"),
        reverse("service:ticket", args=[ticket.pk]),
    ]


@pytest.mark.parametrize("fixture", ["no_role_user"])
def test_without_ticket_permission_every_page_is_403(client, request, ticket, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for url in [*_pages(ticket), reverse("service:new"), reverse("service:settings_rules")]:
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(client, ticket):
    response = client.get(reverse("service:ticket", args=[ticket.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_read_only_users_see_but_cannot_change(client, readonly_user, ticket):
    client.force_login(readonly_user)
    for url in _pages(ticket):
        assert client.get(url).status_code == 200, url
    post = client.post(reverse("service:ticket_status", args=[ticket.pk]), {"status": "open"})
    assert post.status_code == 403
    assert client.get(reverse("service:new")).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_agents_cannot_open_the_setup_but_managers_can(client, ticket):
    client.force_login(agent("a"))
    assert client.get(reverse("service:settings_rules")).status_code == 403
    assert client.post(reverse("service:rule_new"), {"name": "x"}).status_code == 403
    manager = UserFactory(username="m", role__name="Manager")
    client.force_login(manager)
    assert client.get(reverse("service:settings_rules")).status_code == 200


def test_under_team_sharing_other_teams_tickets_are_404(client, team_only):
    mine, theirs = TeamFactory(name="الف"), TeamFactory(name="ب")
    me = agent("me", team=mine)
    other = TicketFactory(team=theirs, assignee=agent("x", team=theirs))
    own = TicketFactory(team=mine)
    pool = TicketFactory()  # unassigned pool: visible to whoever works tickets
    client.force_login(me)
    assert client.get(reverse("service:ticket", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("service:ticket_status", args=[other.pk]), {"status": "open"}
        ).status_code
        == 404
    )
    assert client.get(reverse("service:ticket", args=[own.pk])).status_code == 200
    assert client.get(reverse("service:ticket", args=[pool.pk])).status_code == 200
    listed = client.get(reverse("service:tickets")).content.decode()
    assert other.reference not in listed and own.reference in listed


def test_attachments_follow_the_tickets_visibility(client, team_only):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peyvand.service.models import TicketAttachment
    from peyvand.service.services import assign

    theirs = TeamFactory(name="ب")
    ticket = open_ticket(
        user=None,
        data={"subject": "x", "channel": "portal"},
        attachments=[SimpleUploadedFile("n.txt", "سلام دنیا".encode())],
    )
    assign(ticket, by=None, user=agent("owner", team=theirs))
    attachment = TicketAttachment.objects.get()
    client.force_login(agent("outsider", team=TeamFactory(name="الف")))
    assert client.get(reverse("service:attachment", args=[attachment.pk])).status_code == 404
    client.force_login(UserFactory(username="boss", role__name="Manager", is_superuser=True))
    response = client.get(reverse("service:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment;" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).decode() == "سلام دنیا"


# --- API -----------------------------------------------------------------------------------


def test_api_needs_the_module_permission(api_for, no_role_user, ticket):
    api = api_for(no_role_user)
    assert api.get("/api/v1/service/tickets").status_code == 403
    assert api.get(f"/api/v1/service/tickets/{ticket.pk}").status_code == 403
    assert api.post("/api/v1/service/tickets", {"subject": "x"}).status_code == 403


def test_api_read_only_cannot_write(api_for, readonly_user, ticket):
    api = api_for(readonly_user)
    assert api.get(f"/api/v1/service/tickets/{ticket.pk}").status_code == 200
    assert api.post(f"/api/v1/service/tickets/{ticket.pk}/reply", {"body": "x"}).status_code == 403
    assert api.post("/api/v1/service/rules", {"name": "x"}).status_code == 403


def test_api_hidden_tickets_are_404(api_for, team_only):
    other = TicketFactory(team=TeamFactory(name="ب"), assignee=agent("y"))
    api = api_for(agent("me", team=TeamFactory(name="الف")))
    assert api.get(f"/api/v1/service/tickets/{other.pk}").status_code == 404
    assert api.post(f"/api/v1/service/tickets/{other.pk}/note", {"body": "x"}).status_code == 404
    assert api.get("/api/v1/service/tickets/999999").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "", "channel": "api"}, "subject"),
        ({"subject": "x", "channel": "fax"}, "channel"),
        ({"subject": "x", "priority": "critical"}, "priority"),
        ({"subject": "x", "contact_id": 999999}, "contact_id"),
        ({"subject": "x", "category_id": 999999}, "category_id"),
        ({"subject": "x", "assignee_id": 999999}, "assignee_id"),
        ({"subject": "x", "requester_email": "nope"}, "requester_email"),
        ({"subject": "x", "surprise": 1}, "surprise"),
        ({"channel": "api"}, "subject"),
    ],
)
def test_api_bad_input_names_the_field(admin_api, payload, field):
    response = admin_api.post("/api/v1/service/tickets", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Ticket.objects.exists()


def test_api_bad_cursor_and_filters_are_4xx(admin_api):
    assert admin_api.get("/api/v1/service/tickets", {"cursor": "garbage"}).status_code == 400
    assert admin_api.get("/api/v1/service/tickets", {"status": "nope"}).status_code == 422


def test_page_bad_input_shows_errors_not_500(admin_client, ticket):
    url = reverse("service:ticket_escalate", args=[ticket.pk])
    response = admin_client.post(url, {"direction": "up", "reason": ""})
    assert response.status_code == 422
    response = admin_client.post(reverse("service:ticket_merge", args=[ticket.pk]), {"into": "abc"})
    assert response.status_code == 422
    assert admin_client.get(reverse("service:tickets"), {"cursor": "junk"}).status_code == 302
    response = admin_client.post(reverse("service:new"), {"subject": "", "channel": "phone"})
    assert response.status_code == 422
    response = admin_client.post(reverse("service:rule_new"), {"name": "هیچ کاری"})
    assert response.status_code == 422
    assert not RoutingRule.objects.exists()
