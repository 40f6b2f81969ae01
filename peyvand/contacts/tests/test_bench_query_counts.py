"""The benchmark's contact scenarios (docs/performance.md, scenarios 1 and 6) run the same
number of SQL queries whatever the data size: a filtered, sorted page deep in the list, and the
API list and create."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peyvand.accounts.tests.factories import UserFactory

from .factories import ContactFactory, EmailFactory, MembershipFactory, PhoneFactory

pytestmark = pytest.mark.django_db
NEXT = re.compile(r'<a class="next" rel="next" href="\?([^"]+)"')


def _people(count: int, owner) -> None:
    for _ in range(count):
        contact = ContactFactory(owner=owner, lifecycle_stage="customer")
        MembershipFactory(contact=contact, is_primary=True)
        PhoneFactory(contact=contact)
        EmailFactory(contact=contact)


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.content[:300]
    return len(captured.captured_queries)


def _deep_page(client, url: str) -> str:
    """The URL of the second page of `url` (a cursor page, like the benchmark's deep page)."""
    body = client.get(url).content.decode()
    link = NEXT.search(body)
    assert link, "the first page has a next link"
    return f"{url.split('?')[0]}?{link.group(1).replace('&amp;', '&')}"


def test_filtered_sorted_cursor_page_does_not_grow_with_the_data(
    admin_client, django_assert_max_num_queries
):
    owner = UserFactory()
    url = reverse("contacts:contact_list") + f"?owner={owner.pk}&stage=customer&sort=name"
    _people(55, owner)
    deep = _deep_page(admin_client, url)
    few = _queries(lambda: admin_client.get(deep))
    _people(60, owner)
    many = _queries(lambda: admin_client.get(deep))
    assert many == few
    with django_assert_max_num_queries(12) as captured:
        admin_client.get(deep)
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_api_list_does_not_grow_with_the_data(admin_api, admin_user):
    _people(5, admin_user)
    admin_api.get("/api/v1/contacts")  # token and sharing lookups are cached after this
    few = _queries(lambda: admin_api.get("/api/v1/contacts", {"limit": 50}))
    _people(45, admin_user)
    many = _queries(lambda: admin_api.get("/api/v1/contacts", {"limit": 50}))
    assert many == few
    assert many <= 10


def test_api_create_runs_a_bounded_number_of_queries(admin_api, admin_user):
    _people(20, admin_user)

    def create(i: int):
        return lambda: admin_api.post(
            "/api/v1/contacts",
            {
                "first_name": "سنجه",
                "last_name": f"بار {i}",
                "emails": [{"address": f"bench.{i}@example.com", "is_primary": True}],
            },
        )

    create(0)()  # token and sharing lookups are cached after this
    first = _queries(create(1))
    _people(30, admin_user)
    second = _queries(create(2))
    assert second == first
    assert second <= 40
