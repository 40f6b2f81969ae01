import pytest

from peyvand.accounts.models import ApiToken
from peyvand.accounts.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/accounts"


def test_me_returns_role_language_and_permissions(rep_api, rep):
    body = rep_api.get(f"{BASE}/me").json()
    assert body["id"] == rep.pk
    assert body["language"] == "fa"
    assert body["role"]["name"] == "Sales representative"
    assert body["role"]["label"] == "کارشناس فروش"
    assert body["permissions"]["contacts"] == ["view", "add", "change"]
    assert body["permissions"]["settings"] == []


def test_patch_me_changes_language_and_names(rep_api, rep):
    response = rep_api.patch(f"{BASE}/me", {"language": "en", "first_name": "  Sara "})
    assert response.status_code == 200
    rep.refresh_from_db()
    assert rep.language == "en" and rep.first_name == "Sara"
    assert rep.last_name  # untouched


def test_patch_me_rejects_unknown_languages_with_field_errors(rep_api, rep):
    response = rep_api.patch(f"{BASE}/me", {"language": "de"})
    assert response.status_code == 422
    assert "language" in response.json()["errors"]
    rep.refresh_from_db()
    assert rep.language == "fa"


def test_users_list_for_pickers_hides_emails_from_non_admins(rep_api, rep):
    team = TeamFactory(name="North")
    UserFactory(username="active", team=team)
    gone = UserFactory(username="gone", is_active=False)
    body = rep_api.get(f"{BASE}/users").json()
    ids = {item["id"] for item in body["items"]}
    assert gone.pk not in ids
    item = next(i for i in body["items"] if i["team"])
    assert item["team"] == {"id": team.pk, "name": "North"}
    assert item["email"] is None and item["role"] is None and item["username"] is None
    assert ids == {rep.pk, item["id"]}


def test_users_list_shows_details_to_settings_viewers(admin_api):
    UserFactory(username="gone", is_active=False, email="gone@example.com")
    body = admin_api.get(f"{BASE}/users").json()
    gone = next(i for i in body["items"] if i["username"] == "gone")
    assert gone["email"] == "gone@example.com" and gone["is_active"] is False


def test_users_list_pages_with_a_cursor(admin_api):
    for i in range(5):
        UserFactory(username=f"p{i}")
    first = admin_api.get(f"{BASE}/users", {"limit": 4}).json()
    second = admin_api.get(f"{BASE}/users", {"limit": 4, "cursor": first["next_cursor"]}).json()
    names = [i["username"] for i in first["items"] + second["items"]]
    assert len(names) == 6 == len(set(names))
    assert second["next_cursor"] is None
    assert admin_api.get(f"{BASE}/users", {"cursor": "garbage"}).status_code == 400


def test_teams_list(rep_api):
    parent = TeamFactory(name="Sales")
    TeamFactory(name="North", parent=parent)
    body = rep_api.get(f"{BASE}/teams").json()
    assert [(t["name"], t["parent_id"]) for t in body] == [("North", parent.pk), ("Sales", None)]


def test_tokens_are_listed_created_once_and_revoked(rep_api, rep, client):
    listed = rep_api.get(f"{BASE}/tokens").json()
    assert [t["name"] for t in listed] == ["test"]
    assert "token" not in listed[0] and "digest" not in listed[0]

    created = rep_api.post(f"{BASE}/tokens", {"name": "zapier"})
    assert created.status_code == 201
    raw = created.json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"{BASE}/me", headers=headers).status_code == 200

    token_id = created.json()["id"]
    assert rep_api.delete(f"{BASE}/tokens/{token_id}").status_code == 204
    assert client.get(f"{BASE}/me", headers=headers).status_code == 401


def test_token_name_is_required(rep_api):
    response = rep_api.post(f"{BASE}/tokens", {"name": "   "})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_someone_elses_token_cannot_be_revoked(rep_api):
    theirs, _ = ApiToken.issue(UserFactory(), "theirs")
    assert rep_api.delete(f"{BASE}/tokens/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_session_callers_need_csrf_for_changes(client, rep):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(rep)
    assert csrf_client.get(f"{BASE}/me").status_code == 200
    response = csrf_client.patch(f"{BASE}/me", {"language": "en"}, content_type="application/json")
    assert response.status_code in (401, 403)
    rep.refresh_from_db()
    assert rep.language == "fa"
