import pytest
from django.urls import reverse

from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Str0ng-passphrase"  # UserFactory's password


@pytest.fixture
def sara(client):
    user = UserFactory(username="sara")
    client.force_login(user)
    return user


def test_profile_saves_names_email_and_language(client, sara):
    response = client.post(
        reverse("accounts:profile"),
        {
            "profile-first_name": "سارا",
            "profile-last_name": "احمدي",  # Arabic yeh is stored as Persian yeh
            "profile-email": "Sara@Example.COM",
            "profile-language": "en",
        },
    )
    assert response.status_code == 302
    sara.refresh_from_db()
    assert (sara.last_name, sara.email, sara.language) == ("احمدی", "sara@example.com", "en")


def test_profile_errors_are_shown_next_to_the_field(client, sara):
    response = client.post(
        reverse("accounts:profile"),
        {
            "profile-first_name": "x",
            "profile-last_name": "y",
            "profile-email": "nope",
            "profile-language": "fa",
        },
    )
    assert response.status_code == 422
    assert response.context["profile_form"].errors["email"]
    assert "یک ایمیل آدرس معتبر وارد کنید" in response.content.decode()


def test_password_change_runs_the_validators_in_persian(client, sara):
    response = client.post(
        reverse("accounts:profile"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "123456789",
            "password-new_password2": "123456789",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "این رمز عبور بسیار رایج است" in html
    sara.refresh_from_db()
    assert sara.check_password(PASSWORD)


def test_password_change_needs_the_old_password(client, sara):
    response = client.post(
        reverse("accounts:profile"),
        {
            "password-old_password": "wrong",
            "password-new_password1": "Zard-Aloo-1403!",
            "password-new_password2": "Zard-Aloo-1403!",
        },
    )
    assert response.status_code == 422
    assert "گذرواژهٔ قدیمی‌تان اشتباه وارد شد" in response.content.decode()


def test_password_change_keeps_the_user_signed_in(production_hashers, client, sara):
    response = client.post(
        reverse("accounts:profile"),
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "Zard-Aloo-1403!",
            "password-new_password2": "Zard-Aloo-1403!",
        },
    )
    assert response.status_code == 302
    sara.refresh_from_db()
    assert sara.check_password("Zard-Aloo-1403!") and sara.password.startswith("argon2")
    assert client.get(reverse("accounts:profile")).status_code == 200
