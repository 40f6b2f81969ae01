import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from peyvand.accounts.models import ApiToken, User
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_issue_stores_only_a_digest_of_the_token():
    user = UserFactory()
    token, raw = ApiToken.issue(user, "website")
    assert raw.startswith("pv_") and len(raw) > 40
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in [str(v) for v in stored.values()]
    assert stored["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert stored["hint"] == raw[:10]


def test_a_valid_token_authenticates_and_a_revoked_one_gets_401(client):
    user = UserFactory()
    token, raw = ApiToken.issue(user, "sync")
    assert client.get(ME, headers=bearer(raw)).json()["username"] == user.username
    token.revoke()
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 401
    assert "detail" in response.json()


def test_tokens_of_inactive_users_and_garbage_tokens_get_401(client):
    user = UserFactory()
    _, raw = ApiToken.issue(user, "sync")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(ME, headers=bearer(raw)).status_code == 401
    assert client.get(ME, headers=bearer("pv_not-a-token")).status_code == 401
    assert client.get(ME).status_code == 401


def test_last_used_is_recorded(client):
    token, raw = ApiToken.issue(UserFactory(), "sync")
    client.get(ME, headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_api_token_command_prints_a_working_token(client):
    user = UserFactory(username="bot")
    out = StringIO()
    call_command("create_api_token", "bot", "--name", "backup script", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw and raw.startswith("pv_")
    assert ApiToken.objects.get(user=user).name == "backup script"
    assert client.get(ME, headers=bearer(raw)).json()["id"] == user.pk


def test_create_api_token_command_rejects_unknown_users():
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", stdout=StringIO())


def test_ensure_admin_creates_then_updates_an_administrator(production_hashers):
    call_command(
        "ensure_admin",
        "--username",
        "boss",
        "--password",
        "demo-pass-1",
        "--email",
        "b@x.ir",
        stdout=StringIO(),
    )
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.is_active
    assert boss.role.name == "Administrator"
    assert boss.password.startswith("argon2") and boss.check_password("demo-pass-1")

    call_command(
        "ensure_admin", "--username", "boss", "--password", "demo-pass-2", stdout=StringIO()
    )
    boss.refresh_from_db()
    assert boss.check_password("demo-pass-2") and boss.email == "b@x.ir"
    assert User.objects.filter(username="boss").count() == 1


def test_ensure_admin_needs_a_password_for_a_new_user():
    with pytest.raises(CommandError):
        call_command("ensure_admin", "--username", "boss", stdout=StringIO())


def test_tokens_page_shows_a_new_token_once(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:api_tokens"), {"name": "حسابداری"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    html = response.content.decode()
    assert raw in html and "data-copy" in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    assert token.name == "حسابداری"
    assert client.get(ME, headers=bearer(raw)).status_code == 200

    listing = client.get(reverse("accounts:api_tokens")).content.decode()
    assert raw not in listing
    assert token.hint in listing and "حسابداری" in listing


def test_tokens_page_needs_a_name(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:api_tokens"), {"name": "  "})
    assert response.status_code == 422
    assert "این فیلد لازم است" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page(client):
    user = UserFactory()
    token, raw = ApiToken.issue(user, "old")
    client.force_login(user)
    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
    client.logout()  # the session alone would still let the browser call the API
    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_nobody_can_revoke_someone_elses_token(client):
    token, _ = ApiToken.issue(UserFactory(), "theirs")
    client.force_login(UserFactory())
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    assert client.get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.is_active
