"""Access limits: API token rate limits, session lifetime and password strength.

Sign-in throttling (django-axes) is tested in test_login.py, the public lead form's limit in
leads/tests/test_public_form.py, the portal's sign-in code limits in
portal/tests/test_sign_in.py and the satisfaction survey page's in service/tests/test_csat.py."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts.models import ApiToken
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Str0ng-passphrase"  # UserFactory's password


def bearer(client, raw: str):
    return client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"})


def test_an_api_token_is_limited_per_window(client, settings, time_machine):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW_SECONDS = 60
    time_machine.move_to(dt.datetime(2026, 5, 1, 9, 0, 10, tzinfo=dt.UTC), tick=False)
    _, raw = ApiToken.issue(UserFactory(username="busy"), "sync")
    _, other = ApiToken.issue(UserFactory(username="calm"), "sync")

    assert [bearer(client, raw).status_code for _ in range(3)] == [200, 200, 200]
    refused = bearer(client, raw)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # the rest of the minute
    assert refused.json()["detail"] == "درخواست‌ها بیش از حد است. یک دقیقهٔ دیگر دوباره بکوشید."
    assert bearer(client, other).status_code == 200  # counted per token

    time_machine.move_to(dt.datetime(2026, 5, 1, 9, 1, 0, tzinfo=dt.UTC), tick=False)
    assert bearer(client, raw).status_code == 200


def test_an_invalid_token_is_refused_before_it_is_counted(client, settings):
    settings.API_RATE_LIMIT = 1
    assert bearer(client, "pv_not-a-real-token").status_code == 401
    assert bearer(client, "pv_not-a-real-token").status_code == 401


def test_a_zero_limit_switches_the_rate_limit_off(client, settings):
    settings.API_RATE_LIMIT = 0
    _, raw = ApiToken.issue(UserFactory(username="bulk"), "migration")
    assert {bearer(client, raw).status_code for _ in range(5)} == {200}


def test_a_session_expires_after_session_cookie_age(client, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    UserFactory(username="sara")
    client.post(reverse("accounts:login"), {"username": "sara", "password": PASSWORD})
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 * 24  # a working day, not weeks

    time_machine.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
    assert client.get(reverse("dashboard:home")).status_code == 200

    time_machine.shift(dt.timedelta(seconds=120))
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_password_validators_are_installed(settings):
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    "weak",
    ["kH7#p2", "password123", "8479310562", "sara.karimi.2"],
    ids=["too short", "common", "only digits", "like the username"],
)
def test_a_weak_new_password_is_refused(client, weak):
    sara = UserFactory(username="sara.karimi", first_name="سارا")
    client.force_login(sara)
    response = client.post(
        reverse("accounts:profile"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": weak,
            "password-new_password2": weak,
        },
    )
    assert response.status_code == 422
    assert response.context["password_form"].errors["new_password2"]
    sara.refresh_from_db()
    assert sara.check_password(PASSWORD)


def test_a_strong_new_password_is_accepted(client):
    sara = UserFactory(username="sara.karimi")
    client.force_login(sara)
    strong = "Tabriz-rooftops-in-June-7"
    response = client.post(
        reverse("accounts:profile"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": strong,
            "password-new_password2": strong,
        },
    )
    assert response.status_code == 302
    sara.refresh_from_db()
    assert sara.check_password(strong)
