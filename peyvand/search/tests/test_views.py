"""The search results page and the topbar's htmx suggestions."""

import pytest
from django.urls import reverse

from peyvand.search.services import SearchDocument, index_document

pytestmark = pytest.mark.django_db

RESULTS = reverse("search:results")
SUGGEST = reverse("search:suggest")


@pytest.fixture
def records():
    index_document(
        "contact",
        1,
        SearchDocument(
            title="علی رضایی", subtitle="شرکت پارس", url="/contacts/1/", phones=["+989121269382"]
        ),
    )
    index_document("company", 2, SearchDocument(title="پارس علی", url="/contacts/companies/2/"))
    index_document("contact", 3, SearchDocument(title="زهرا کریمی", url="/contacts/3/"))


def test_results_page_groups_hits_by_kind(admin_client, records):
    response = admin_client.get(RESULTS, {"q": "علي"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/contacts/1/"' in html and "علی رضایی" in html and "شرکت پارس" in html
    assert 'href="/contacts/companies/2/"' in html
    assert "زهرا" not in html.split("</form>", 2)[-1]
    groups = [group["label"] for group in response.context["groups"]]
    assert [str(label) for label in groups] == ["مخاطب", "شرکت"]


def test_results_page_can_be_limited_to_one_kind(admin_client, records):
    response = admin_client.get(RESULTS, {"q": "علی", "kind": "company"})
    assert [hit.object_id for g in response.context["groups"] for hit in g["hits"]] == [2]


def test_unknown_kind_on_the_page_searches_everything(admin_client, records):
    response = admin_client.get(RESULTS, {"q": "علی", "kind": "nope"})
    assert len(response.context["groups"]) == 2


def test_results_page_without_query_or_matches_explains_itself(admin_client, records):
    empty = admin_client.get(RESULTS)
    assert empty.status_code == 200 and empty.context["groups"] == []
    nothing = admin_client.get(RESULTS, {"q": "ناموجود"})
    assert "ناموجود" in nothing.content.decode()
    assert nothing.context["groups"] == []


def test_results_page_in_english(admin_client, admin_user, records):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    response = admin_client.get(RESULTS, {"q": "۹۳۸۲"})
    html = response.content.decode()
    assert "Contact" in html and "علی رضایی" in html


def test_suggestions_are_links_to_the_top_hits(admin_client, records):
    response = admin_client.get(SUGGEST, {"q": "۹۳۸۲"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/contacts/1/">' in html and "علی رضایی" in html
    assert "زهرا" not in html
    assert f"{RESULTS}?q=%DB%B9%DB%B3%DB%B8%DB%B2" in html  # "all results" keeps the query


def test_suggestions_show_at_most_eight(admin_client):
    for i in range(12):
        index_document("contact", 100 + i, SearchDocument(title=f"پارس {i}", url=f"/c/{i}/"))
    html = admin_client.get(SUGGEST, {"q": "پارس"}).content.decode()
    assert html.count('<a href="/c/') == 8


def test_blank_suggestion_query_returns_nothing_so_the_dropdown_hides(admin_client):
    response = admin_client.get(SUGGEST, {"q": "  "})
    assert response.status_code == 200 and response.content == b""


def test_suggestions_say_when_nothing_matches(admin_client, records):
    html = admin_client.get(SUGGEST, {"q": "ناموجود"}).content.decode()
    assert "موردی پیدا نشد" in html


def test_pages_require_sign_in(client, records):
    response = client.get(RESULTS, {"q": "علی"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(SUGGEST, {"q": "علی"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_htmx_suggestions_when_signed_out_send_the_page_to_sign_in(client, records):
    response = client.get(SUGGEST, {"q": "علی"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("accounts:login")
    assert "علی" not in response.content.decode()


def test_user_without_contacts_permission_sees_no_hits(client, no_role_user, records):
    client.force_login(no_role_user)
    assert client.get(RESULTS, {"q": "علی"}).context["groups"] == []
    assert "علی رضایی" not in client.get(SUGGEST, {"q": "علی"}).content.decode()
