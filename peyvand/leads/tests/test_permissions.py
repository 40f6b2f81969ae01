"""Who may do what: module permissions on pages and API, record sharing, set-up rights."""

import pytest
from django.test import Client

from peyvand.accounts.services import set_module_sharing
from peyvand.leads.models import Lead, LeadStatus

from .factories import LeadFactory, LeadFormFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_no_leads_permission_is_a_403_on_pages_and_api(client, no_role_user, api_for):
    client.force_login(no_role_user)
    for url in (
        "/leads/",
        "/leads/mine/",
        "/leads/call/",
        "/leads/reports/funnel/",
        "/leads/rules/",
    ):
        assert client.get(url).status_code == 403, url
    api = api_for(no_role_user)
    assert api.get("/api/v1/leads").status_code == 403
    assert api.post("/api/v1/leads", {"phone": "09121234567"}).status_code == 403
    assert not Lead.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/leads/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_read_only_users_see_but_cannot_change(client, readonly_user):
    lead = LeadFactory()
    client.force_login(readonly_user)
    page = client.get(lead.get_absolute_url())
    assert page.status_code == 200
    assert f'action="/leads/{lead.pk}/status/"' not in page.content.decode()
    assert client.post(f"/leads/{lead.pk}/status/", {"status": "qualified"}).status_code == 403
    assert client.get("/leads/call/").status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_team_sharing_hides_other_teams_leads_but_not_the_unassigned_queue(client):
    set_module_sharing("leads", "team")
    team = TeamFactory()
    rep = UserFactory(team=team)
    mine = LeadFactory(owner=rep, team=team)
    teammates = LeadFactory(team=team, owner=UserFactory(team=team))
    others = LeadFactory(owner=UserFactory(team=TeamFactory()))
    unassigned = LeadFactory()
    client.force_login(rep)
    page = client.get("/leads/").content.decode()
    for lead in (mine, teammates, unassigned):
        assert lead.get_absolute_url() in page
    assert others.get_absolute_url() not in page
    assert client.get(others.get_absolute_url()).status_code == 404


def test_lead_set_up_needs_its_own_permission(client, rep, admin_user):
    form = LeadFormFactory()
    admin = Client()
    admin.force_login(admin_user)
    client.force_login(rep)
    for url in ("/leads/rules/", "/leads/scoring/", "/leads/forms/", f"/leads/forms/{form.pk}/"):
        assert client.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    assert client.post("/leads/rules/new/", {"name": "x"}).status_code == 403


def test_marketers_see_forms_but_cannot_change_them(client):
    marketer = UserFactory(role__name="Marketer")
    form = LeadFormFactory()
    client.force_login(marketer)
    page = client.get(f"/leads/forms/{form.pk}/")
    assert page.status_code == 200
    assert form.key in page.content.decode()  # the snippet to hand to the web designer
    assert client.post(f"/leads/forms/{form.pk}/", {"name": "changed"}).status_code == 403
    assert client.post(f"/leads/forms/{form.pk}/rotate-key/").status_code == 403


def test_the_nav_link_follows_the_permission(client, no_role_user, rep):
    client.force_login(rep)
    assert 'href="/leads/"' in client.get("/leads/mine/").content.decode()
    client.force_login(no_role_user)
    assert 'href="/leads/"' not in client.get("/accounts/profile/").content.decode()


def test_converting_needs_permission_to_add_contacts(client):
    support = UserFactory(role__name="Support agent")
    lead = LeadFactory(status=LeadStatus.QUALIFIED)
    client.force_login(support)
    # Support agents may add leads but not change them.
    assert client.post(f"/leads/{lead.pk}/convert/").status_code == 403
