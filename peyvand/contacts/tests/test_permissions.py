"""Pages and API share one permission rule: 403 without the module permission, 404 for
records the user may not see (team-only sharing), and lists show only visible records."""

import pytest
from django.urls import reverse

from peyvand.accounts.models import ModuleSharing
from peyvand.accounts.permissions import SHARE_TEAM
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory

from .factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_user_without_role_gets_403_on_every_page(client, no_role_user):
    contact = ContactFactory()
    company = CompanyFactory()
    client.force_login(no_role_user)
    for url in (
        reverse("contacts:contact_list"),
        reverse("contacts:contact_detail", args=[contact.pk]),
        reverse("contacts:contact_create"),
        reverse("contacts:contact_history", args=[contact.pk]),
        reverse("contacts:company_list"),
        reverse("contacts:company_detail", args=[company.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_read_only_user_can_view_but_not_change(client, readonly_user):
    contact = ContactFactory()
    client.force_login(readonly_user)
    assert client.get(reverse("contacts:contact_list")).status_code == 200
    assert client.get(reverse("contacts:contact_detail", args=[contact.pk])).status_code == 200
    assert client.get(reverse("contacts:contact_create")).status_code == 403
    assert client.get(reverse("contacts:contact_edit", args=[contact.pk])).status_code == 403
    assert client.get(reverse("contacts:contact_merge", args=[contact.pk])).status_code == 403
    assert client.post(reverse("contacts:contact_delete", args=[contact.pk])).status_code == 403


def test_sales_rep_cannot_merge_or_delete(rep_client):
    contact = ContactFactory()
    assert rep_client.get(reverse("contacts:contact_edit", args=[contact.pk])).status_code == 200
    assert rep_client.get(reverse("contacts:contact_merge", args=[contact.pk])).status_code == 403
    assert rep_client.post(reverse("contacts:contact_delete", args=[contact.pk])).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("contacts:contact_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.fixture
def team_sharing(db):
    ModuleSharing.objects.create(module="contacts", scope=SHARE_TEAM)


@pytest.fixture
def teams():
    return TeamFactory(name="تیم شمال"), TeamFactory(name="تیم جنوب")


@pytest.fixture
def member(teams):
    return UserFactory(role=RoleFactory(name="Sales representative"), team=teams[0])


def test_team_only_sharing_hides_other_teams_records_with_404(client, team_sharing, teams, member):
    mine = ContactFactory(team=teams[0], last_name="همتیمی")
    theirs = ContactFactory(team=teams[1], owner=UserFactory(team=teams[1]), last_name="دیگری")
    client.force_login(member)
    assert client.get(reverse("contacts:contact_detail", args=[mine.pk])).status_code == 200
    for name in ("contact_detail", "contact_edit", "contact_history"):
        assert client.get(reverse(f"contacts:{name}", args=[theirs.pk])).status_code == 404, name
    page = client.get(reverse("contacts:contact_list")).content.decode()
    assert "همتیمی" in page
    assert "دیگری" not in page


def test_team_only_sharing_applies_to_companies(client, team_sharing, teams, member):
    theirs = CompanyFactory(team=teams[1])
    client.force_login(member)
    assert client.get(reverse("contacts:company_detail", args=[theirs.pk])).status_code == 404


def test_owner_sees_own_record_in_another_team(client, team_sharing, teams, member):
    own = ContactFactory(team=teams[1], owner=member)
    client.force_login(member)
    assert client.get(reverse("contacts:contact_detail", args=[own.pk])).status_code == 200


def test_api_permissions_match_pages(api_for, no_role_user, readonly_user, rep):
    contact = ContactFactory()
    no_role = api_for(no_role_user)
    assert no_role.get("/api/v1/contacts").status_code == 403
    assert no_role.get(f"/api/v1/contacts/{contact.pk}").status_code == 403
    readonly = api_for(readonly_user)
    assert readonly.get(f"/api/v1/contacts/{contact.pk}").status_code == 200
    assert readonly.post("/api/v1/contacts", {"last_name": "تازه"}).status_code == 403
    assert readonly.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": "x"}).status_code == 403
    assert readonly.delete(f"/api/v1/contacts/{contact.pk}").status_code == 403
    sales = api_for(rep)
    assert sales.delete(f"/api/v1/contacts/{contact.pk}").status_code == 403
    other = ContactFactory()
    merge = sales.post(f"/api/v1/contacts/{contact.pk}/merge", {"duplicate_id": other.pk})
    assert merge.status_code == 403


def test_api_hides_other_teams_records(api_for, team_sharing, teams, member):
    mine = ContactFactory(team=teams[0])
    theirs = ContactFactory(team=teams[1])
    api = api_for(member)
    assert api.get(f"/api/v1/contacts/{theirs.pk}").status_code == 404
    assert api.patch(f"/api/v1/contacts/{theirs.pk}", {"job_title": "x"}).status_code == 404
    ids = [item["id"] for item in api.get("/api/v1/contacts").json()["items"]]
    assert ids == [mine.pk]


def test_api_requires_authentication(client):
    response = client.get("/api/v1/contacts")
    assert response.status_code == 401
