import pytest
from django.urls import reverse

from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Str0ng-passphrase"  # UserFactory's password


@pytest.fixture
def sara():
    return UserFactory(username="sara")


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_passwords_are_stored_with_argon2(production_hashers):
    sara = UserFactory(username="sara")
    assert sara.password.startswith("argon2")
    assert sara.check_password(PASSWORD)


def test_login_page_is_persian_and_right_to_left_by_default(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html and 'lang="fa"' in html
    assert "ورود" in html
    assert 'class="card auth-card"' in html


def test_correct_password_signs_in_and_goes_home(client, sara):
    response = login(client, "sara", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.session["_auth_user_id"] == str(sara.pk)


def test_wrong_password_gets_a_translated_error_and_a_lockout_warning(client, sara):
    response = login(client, "sara", "wrong-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "گذرواژه" in html  # Django's Persian "enter a correct username and password"
    assert "متوقف" in html  # "signing in ... is paused" after N failures
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_username_out_even_with_the_right_password(
    client, sara, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    responses = [login(client, "sara", f"wrong-{i}") for i in range(3)]
    assert [r.status_code for r in responses[:2]] == [200, 200]
    locked = responses[2]
    assert locked.status_code == 429
    assert "ورود موقتاً متوقف شده است" in locked.content.decode()

    again = login(client, "sara", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_page_follows_the_language_cookie(client, sara, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = login(client, "sara", "wrong")
    html = response.content.decode()
    assert response.status_code == 429
    assert 'dir="ltr"' in html
    assert "Signing in is paused" in html
    assert "15 minutes" in html


def test_a_lockout_does_not_block_other_usernames(client, sara, settings):
    settings.AXES_FAILURE_LIMIT = 2
    other = UserFactory(username="omid")
    login(client, "sara", "x")
    login(client, "sara", "y")
    assert login(client, "omid", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_logout_requires_post(client, sara):
    client.force_login(sara)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_signed_in_user_visiting_login_is_sent_home(client, sara):
    client.force_login(sara)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302


def test_pages_require_sign_in(client):
    for name in ("accounts:profile", "accounts:api_tokens", "accounts:notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
