"""/api/v1/knowledge: articles CRUD and search, categories, canned responses, bad input."""

import pytest

from peyvand.knowledge.models import Article, CannedResponse

from .factories import ArticleCategoryFactory, CannedResponseFactory, make_article

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge"


@pytest.fixture
def agent_api(api_for, agent):
    return api_for(agent)


def test_create_read_update_and_delete_an_article(admin_api):
    category = ArticleCategoryFactory(name="حساب کاربری")
    created = admin_api.post(
        f"{BASE}/articles",
        {
            "title": "بازیابي گذرواژه",  # Arabic yeh: stored with the Persian one
            "body": "# مراحل\n- روی «فراموشی» بزنید\n<script>x</script>",
            "category_id": category.pk,
            "status": "published",
            "visibility": "public",
            "tags": ["ورود", "گذرواژه"],
        },
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["title"] == "بازیابی گذرواژه"
    assert "<script>" not in data["body_html"] and "&lt;script&gt;" in data["body_html"]
    assert data["category"]["name"] == "حساب کاربری" and data["tags"] == ["ورود", "گذرواژه"]
    article_id = data["id"]

    changed = admin_api.patch(f"{BASE}/articles/{article_id}", {"status": "archived"})
    assert changed.status_code == 200 and changed.json()["status"] == "archived"
    assert changed.json()["title"] == "بازیابی گذرواژه"  # untouched fields stay
    assert admin_api.get(f"{BASE}/articles/search", {"q": "گذرواژه"}).json() == []

    assert admin_api.delete(f"{BASE}/articles/{article_id}").status_code == 204
    assert admin_api.get(f"{BASE}/articles/{article_id}").status_code == 404


def test_search_endpoint(admin_api):
    public = make_article("تنظیم مودم", "متن", visibility="public")
    internal = make_article("تنظیم مودم برای کارشناس", "متن")
    found = admin_api.get(f"{BASE}/articles/search", {"q": "مودم"}).json()
    assert {a["id"] for a in found} == {public.pk, internal.pk}
    found = admin_api.get(f"{BASE}/articles/search", {"q": "مودم", "public_only": True}).json()
    assert [a["id"] for a in found] == [public.pk]
    assert admin_api.get(f"{BASE}/articles/search", {"q": "x", "limit": 0}).status_code == 422
    assert admin_api.get(f"{BASE}/articles/search", {"q": "x" * 201}).status_code == 422
    assert admin_api.get(f"{BASE}/articles/search", {"q": "x", "language": "de"}).status_code == 422


def test_bad_article_input_is_a_422_with_field_errors(admin_api):
    response = admin_api.post(f"{BASE}/articles", {"title": " ", "body": "متن"})
    assert response.status_code == 422
    assert "title" in response.json()["errors"]
    response = admin_api.post(
        f"{BASE}/articles", {"title": "x", "body": "y", "status": "live", "extra": 1}
    )
    assert response.status_code == 422
    assert {"status", "extra"} <= set(response.json()["errors"])
    response = admin_api.post(f"{BASE}/articles", {"title": "x", "body": "y", "category_id": 999})
    assert response.status_code == 422 and "category_id" in response.json()["errors"]
    response = admin_api.post(f"{BASE}/articles", {"title": "x", "body": "y", "tags": ["a"] * 11})
    assert response.status_code == 422
    assert not Article.objects.exists()


def test_translation_link_is_symmetric_and_replaces_the_old_one(admin_api):
    fa = make_article("بازیابی گذرواژه", "متن")
    en_old = make_article("Password reset (old)", "x", language="en")
    en_new = make_article("Reset your password", "x", language="en")
    admin_api.patch(f"{BASE}/articles/{fa.pk}", {"translation_id": en_old.pk})
    admin_api.patch(f"{BASE}/articles/{fa.pk}", {"translation_id": en_new.pk})
    fa.refresh_from_db(), en_old.refresh_from_db(), en_new.refresh_from_db()
    assert (fa.translation_id, en_new.translation_id, en_old.translation_id) == (
        en_new.pk,
        fa.pk,
        None,
    )
    response = admin_api.patch(f"{BASE}/articles/{fa.pk}", {"translation_id": fa.pk})
    assert response.status_code == 422


def test_list_pages_with_a_cursor(admin_api):
    for n in range(3):
        make_article(f"راهنما {n}", "متن")
    first = admin_api.get(f"{BASE}/articles", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = admin_api.get(f"{BASE}/articles", {"limit": 2, "cursor": first["next_cursor"]})
    assert len(second.json()["items"]) == 1
    assert admin_api.get(f"{BASE}/articles", {"cursor": "garbage"}).status_code == 400


def test_canned_responses_crud(agent_api, agent):
    created = agent_api.post(
        f"{BASE}/canned-responses",
        {"title": "خوشامد", "body": "سلام {{customer.first_name}}", "is_shared": True},
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["placeholders"] == ["customer.first_name"] and data["is_shared"]
    assert data["owner"]["id"] == agent.pk
    response_id = data["id"]
    bad = agent_api.patch(f"{BASE}/canned-responses/{response_id}", {"body": "{{ticket.secret}}"})
    assert bad.status_code == 422 and "body" in bad.json()["errors"]
    assert (
        agent_api.patch(f"{BASE}/canned-responses/{response_id}", {"is_active": False}).json()[
            "is_active"
        ]
        is False
    )
    listed = agent_api.get(f"{BASE}/canned-responses").json()["items"]
    assert listed == []  # inactive ones are not offered
    assert agent_api.delete(f"{BASE}/canned-responses/{response_id}").status_code == 403
    assert CannedResponse.objects.filter(pk=response_id).exists()


def test_read_only_users_may_not_create_or_share(api_for, readonly_user):
    api = api_for(readonly_user)
    response = api.post(f"{BASE}/canned-responses", {"title": "x", "body": "y"})
    assert response.status_code == 403
    shared = CannedResponseFactory()
    response = api.patch(f"{BASE}/canned-responses/{shared.pk}", {"title": "z"})
    assert response.status_code == 403


def test_preview_and_placeholder_list(agent_api):
    names = [p["name"] for p in agent_api.get(f"{BASE}/canned-responses/placeholders").json()]
    assert "ticket.reference" in names
    result = agent_api.post(
        f"{BASE}/canned-responses/preview",
        {"body": "{{customer.first_name}} {{x.y}} {% debug %}", "language": "en"},
    ).json()
    assert result["text"] == "Maryam {{x.y}} {% debug %}"
    assert result["unknown"] == ["x.y"]


def test_categories(admin_api, agent_api):
    parent = admin_api.post(f"{BASE}/categories", {"name": "مالی"}).json()
    child = admin_api.post(f"{BASE}/categories", {"name": "فاکتور", "parent_id": parent["id"]})
    assert child.status_code == 201 and child.json()["depth"] == 1
    dup = admin_api.post(f"{BASE}/categories", {"name": "مالی"})
    assert dup.status_code == 422 and "name" in dup.json()["errors"]
    tree = agent_api.get(f"{BASE}/categories").json()
    assert [(c["name"], c["depth"]) for c in tree] == [("مالی", 0), ("فاکتور", 1)]
    assert agent_api.delete(f"{BASE}/categories/{parent['id']}").status_code == 403
