"""Who may do what: module permissions on pages and API, drafts, personal canned responses."""

import pytest

from peyvand.knowledge.models import Article, ArticleStatus, CannedResponse

from .factories import CannedResponseFactory, UserFactory, make_article

pytestmark = pytest.mark.django_db


def test_no_knowledge_permission_is_a_403_on_pages_and_api(client, no_role_user, api_for):
    article = make_article()
    canned = CannedResponseFactory()
    client.force_login(no_role_user)
    for url in (
        "/knowledge/",
        "/knowledge/new/",
        f"/knowledge/{article.pk}/",
        "/knowledge/canned/",
        f"/knowledge/canned/{canned.pk}/",
        "/knowledge/categories/",
    ):
        assert client.get(url).status_code == 403, url
    api = api_for(no_role_user)
    assert api.get("/api/v1/knowledge/articles").status_code == 403
    assert api.get("/api/v1/knowledge/articles/search", {"q": "ورود"}).status_code == 403
    assert api.post("/api/v1/knowledge/articles", {"title": "x", "body": "y"}).status_code == 403
    assert api.get("/api/v1/knowledge/canned-responses").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/knowledge/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_everyone_reads_but_read_only_users_cannot_write(client, readonly_user, api_for):
    article = make_article()
    client.force_login(readonly_user)
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert f"/knowledge/{article.pk}/edit/" not in page.content.decode()
    assert client.get(f"/knowledge/{article.pk}/edit/").status_code == 403
    assert client.post("/knowledge/new/", {"title": "x", "body": "y"}).status_code == 403
    assert client.post(f"/knowledge/{article.pk}/delete/").status_code == 403
    api = api_for(readonly_user)
    assert api.patch(f"/api/v1/knowledge/articles/{article.pk}", {"title": "z"}).status_code == 403
    assert api.delete(f"/api/v1/knowledge/articles/{article.pk}").status_code == 403
    assert Article.objects.get(pk=article.pk).title == article.title


def test_drafts_are_hidden_from_readers_but_not_from_their_author_or_editors(
    client, readonly_user, agent, api_for
):
    author = UserFactory(role__name="Read only")
    draft = make_article("پیش‌نویس", "متن", status=ArticleStatus.DRAFT, author=author)
    client.force_login(readonly_user)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert api_for(readonly_user).get(f"/api/v1/knowledge/articles/{draft.pk}").status_code == 404
    assert draft.get_absolute_url() not in client.get("/knowledge/").content.decode()
    client.force_login(author)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.force_login(agent)  # support agents may change articles: they see drafts to edit
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_support_agents_write_articles_but_do_not_delete_them(agent_client, agent):
    article = make_article()
    response = agent_client.post(
        "/knowledge/new/",
        {
            "title": "راهنمای جدید",
            "body": "متن راهنما",
            "language": "fa",
            "status": "published",
            "visibility": "internal",
        },
    )
    assert response.status_code == 302
    assert Article.objects.filter(title="راهنمای جدید", author=agent).exists()
    assert agent_client.post(f"/knowledge/{article.pk}/delete/").status_code == 403


def test_personal_canned_responses_are_their_owners_only(client, agent, api_for):
    other = UserFactory(role__name="Support agent")
    personal = CannedResponseFactory(is_shared=False, owner=other)
    client.force_login(agent)
    assert client.get(f"/knowledge/canned/{personal.pk}/").status_code == 404
    assert personal.title not in client.get("/knowledge/canned/").content.decode()
    api = api_for(agent)
    assert api.get(f"/api/v1/knowledge/canned-responses/{personal.pk}").status_code == 404
    assert api.delete(f"/api/v1/knowledge/canned-responses/{personal.pk}").status_code == 404
    assert CannedResponse.objects.filter(pk=personal.pk).exists()


def test_shared_canned_responses_need_the_change_permission_to_edit(client, readonly_user):
    shared = CannedResponseFactory(is_shared=True)
    client.force_login(readonly_user)
    assert shared.title in client.get("/knowledge/canned/").content.decode()
    assert client.get(f"/knowledge/canned/{shared.pk}/").status_code == 403
    assert client.post(f"/knowledge/canned/{shared.pk}/delete/").status_code == 403


def test_agents_cannot_delete_shared_responses_but_may_delete_their_own(client, agent):
    shared = CannedResponseFactory(is_shared=True)
    mine = CannedResponseFactory(is_shared=False, owner=agent)
    client.force_login(agent)
    assert client.post(f"/knowledge/canned/{shared.pk}/delete/").status_code == 403
    assert client.post(f"/knowledge/canned/{mine.pk}/delete/").status_code == 302
    assert not CannedResponse.objects.filter(pk=mine.pk).exists()


def test_categories_are_managed_by_editors_only(client, readonly_user, agent):
    client.force_login(readonly_user)
    assert client.get("/knowledge/categories/").status_code == 200
    assert client.post("/knowledge/categories/new/", {"name": "مالی"}).status_code == 403
    client.force_login(agent)
    assert client.post("/knowledge/categories/new/", {"name": "مالی"}).status_code == 302
