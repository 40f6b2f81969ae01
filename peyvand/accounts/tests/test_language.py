import pytest
from django.urls import reverse

from peyvand.accounts.models import User
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_persian_is_the_default_right_to_left(client):
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "گذرواژه" in html


def test_english_user_gets_left_to_right(client):
    client.force_login(UserFactory(language="en"))
    response = client.get(reverse("accounts:profile"))
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Change password" in html
    assert response["Content-Language"] == "en"


def test_signed_in_user_choice_is_saved_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    user.refresh_from_db()
    assert user.language == User.Language.ENGLISH
    # Another browser (no cookie) still gets the account's language.
    client.cookies.clear()
    client.force_login(user)
    assert 'dir="ltr"' in client.get(reverse("accounts:profile")).content.decode()


def test_anonymous_choice_is_kept_in_the_language_cookie(client, settings):
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": reverse("accounts:login")}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'dir="ltr"' in html and "Sign in" in html


def test_login_page_offers_the_other_language(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:set_language") in html
    assert 'value="en"' in html


def test_unsafe_next_is_ignored(client):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(reverse("accounts:set_language"), {"language": "en", "next": target})
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_unknown_language_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fa"


def test_set_language_needs_post(client):
    assert client.get(reverse("accounts:set_language"), {"language": "en"}).status_code == 405
