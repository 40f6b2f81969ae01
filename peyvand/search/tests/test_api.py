"""GET /api/v1/search."""

import pytest

from peyvand.search.services import SearchDocument, index_document

pytestmark = pytest.mark.django_db

URL = "/api/v1/search"


@pytest.fixture
def records():
    index_document(
        "contact",
        1,
        SearchDocument(
            title="علی رضایی",
            subtitle="شرکت پارس",
            url="/contacts/1/",
            emails=["ali.rezaei@example.com"],
        ),
    )
    index_document("company", 2, SearchDocument(title="پارس علی", url="/contacts/companies/2/"))


def test_returns_ranked_hits(admin_api, records):
    response = admin_api.get(URL, {"q": "علي"})
    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "kind": "contact",
        "kind_label": "مخاطب",
        "object_id": 1,
        "title": "علی رضایی",
        "subtitle": "شرکت پارس",
        "url": "/contacts/1/",
    }
    assert [hit["object_id"] for hit in body] == [1, 2]


def test_kind_and_limit(admin_api, records):
    assert [h["object_id"] for h in admin_api.get(URL, {"q": "علی", "kind": "company"}).json()] == [
        2
    ]
    both = admin_api.get(URL, {"q": "علی", "kind": "company,contact"}).json()
    assert len(both) == 2
    assert len(admin_api.get(URL, {"q": "علی", "limit": 1}).json()) == 1


def test_email_prefix(admin_api, records):
    assert [h["object_id"] for h in admin_api.get(URL, {"q": "ali.rez"}).json()] == [1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "علی", "limit": 0}, "limit"),
        ({"q": "علی", "limit": 101}, "limit"),
        ({"q": "علی", "limit": "many"}, "limit"),
        ({"q": "x" * 201}, "q"),
        ({"q": "علی", "kind": "planet"}, "kind"),
    ],
)
def test_bad_parameters_are_422_with_field_errors(admin_api, params, field):
    response = admin_api.get(URL, params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_blank_query_is_an_empty_list(admin_api, records):
    response = admin_api.get(URL, {"q": " "})
    assert response.status_code == 200 and response.json() == []


def test_requires_authentication(client, records):
    assert client.get(URL, {"q": "علی"}).status_code == 401


def test_user_without_contacts_permission_gets_nothing(api_for, no_role_user, records):
    response = api_for(no_role_user).get(URL, {"q": "علی"})
    assert response.status_code == 200 and response.json() == []
