import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts.middleware import UserLanguageMiddleware
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def zone_seen_by_a_view(user) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    UserLanguageMiddleware(view)(request)
    return seen["zone"]


def test_pages_use_the_users_time_zone():
    assert zone_seen_by_a_view(UserFactory(time_zone="Europe/Berlin")) == "Europe/Berlin"


@pytest.mark.parametrize("user", [None, "no zone"])
def test_without_a_choice_the_office_time_zone_is_used(settings, user):
    user = AnonymousUser() if user is None else UserFactory(time_zone="")
    assert zone_seen_by_a_view(user) == settings.TIME_ZONE == "Asia/Tehran"


def test_the_zone_does_not_leak_into_the_next_request():
    zone_seen_by_a_view(UserFactory(time_zone="America/Toronto"))
    assert timezone.get_current_timezone_name() == "Asia/Tehran"


def test_profile_page_saves_a_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "profile-first_name": user.first_name,
            "profile-last_name": user.last_name,
            "profile-email": user.email,
            "profile-language": "fa",
            "profile-time_zone": "Asia/Dubai",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Asia/Dubai"


def test_profile_page_rejects_an_unknown_zone_in_the_users_language(client):
    user = UserFactory(language="en")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "profile-first_name": "x",
            "profile-last_name": "y",
            "profile-email": "x@example.com",
            "profile-language": "en",
            "profile-time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == 422
    assert "time_zone" in response.context["profile_form"].errors
    user.refresh_from_db()
    assert user.time_zone == ""


def test_api_sets_and_validates_the_time_zone(api_for):
    user = UserFactory()
    api = api_for(user)

    response = api.patch("/api/v1/accounts/me", {"time_zone": "Europe/London"})
    assert response.status_code == 200 and response.json()["time_zone"] == "Europe/London"

    response = api.patch("/api/v1/accounts/me", {"time_zone": "Nowhere/City"})
    assert response.status_code == 422 and "time_zone" in response.json()["errors"]
    user.refresh_from_db()
    assert user.time_zone == "Europe/London"
