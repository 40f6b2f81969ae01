"""The knowledge pages: list, filters and search, article page, editors with previews."""

import pytest

from peyvand.knowledge.models import Article, CannedResponse, Visibility

from .factories import ArticleCategoryFactory, CannedResponseFactory, make_article

pytestmark = pytest.mark.django_db


def test_article_list_filters_by_category_including_sub_categories(admin_client):
    billing = ArticleCategoryFactory(name="مالی")
    invoices = ArticleCategoryFactory(name="فاکتورها", parent=billing)
    inside = make_article("دانلود فاکتور", "متن", category=invoices)
    outside = make_article("اتصال اینترنت", "متن")
    page = admin_client.get("/knowledge/", {"category": billing.pk}).content.decode()
    assert inside.get_absolute_url() in page
    assert outside.get_absolute_url() not in page


def test_article_list_searches_with_persian_matching(admin_client):
    article = make_article("فعال‌سازی کارت", "متن")
    other = make_article("اتصال اینترنت", "متن")
    response = admin_client.get("/knowledge/", {"q": "فعالسازي"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert article.get_absolute_url() in body and other.get_absolute_url() not in body
    assert "<html" not in body  # htmx gets the rows only


def test_list_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    category = ArticleCategoryFactory()
    for n in range(12):
        make_article(f"راهنما {n}", "متن", category=category)
    admin_client.get("/knowledge/")  # warm the session and permission caches
    with django_assert_max_num_queries(9):
        assert admin_client.get("/knowledge/").status_code == 200


def test_article_page_escapes_html_and_counts_one_view_per_session(admin_client):
    article = make_article("راهنما", "<script>alert('x')</script>\n\n**مهم**")
    page = admin_client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in page  # shown as text
    assert "<strong>مهم</strong>" in page
    admin_client.get(article.get_absolute_url())
    article.refresh_from_db()
    assert article.view_count == 1


def test_english_articles_are_laid_out_left_to_right(admin_client):
    article = make_article("Reset your password", "Open **Settings**.", language="en")
    page = admin_client.get(article.get_absolute_url()).content.decode()
    assert 'lang="en" dir="ltr"' in page


def test_helpful_feedback_counts_once(admin_client):
    article = make_article()
    url = f"/knowledge/{article.pk}/feedback/"
    admin_client.post(url, {"helpful": "yes"})
    admin_client.post(url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 0)


def test_new_article_with_bad_input_shows_errors_and_writes_nothing(admin_client):
    response = admin_client.post(
        "/knowledge/new/", {"title": "  ", "body": "", "language": "de", "status": "published"}
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert {"title", "body", "language", "visibility"} <= set(form.errors)
    assert not Article.objects.exists()


def test_editor_saves_tags_and_links_the_translation_both_ways(admin_client):
    english = make_article("Reset your password", "text", language="en")
    response = admin_client.post(
        "/knowledge/new/",
        {
            "title": "بازیابی گذرواژه",
            "body": "متن",
            "language": "fa",
            "status": "published",
            "visibility": "public",
            "tags": "ورود، گذرواژه, ورود",
            "translation": english.pk,
        },
    )
    assert response.status_code == 302
    persian = Article.objects.get(title="بازیابی گذرواژه")
    english.refresh_from_db()
    assert english.translation_id == persian.pk and persian.translation_id == english.pk
    assert sorted(t.name for t in persian.tags.all()) == ["ورود", "گذرواژه"]
    assert persian.visibility == Visibility.PUBLIC and persian.published_at is not None


def test_a_translation_in_the_same_language_is_refused(admin_client):
    other = make_article("راهنمای دیگر", "متن")
    response = admin_client.post(
        "/knowledge/new/",
        {
            "title": "راهنما",
            "body": "متن",
            "language": "fa",
            "status": "draft",
            "visibility": "internal",
            "translation": other.pk,
        },
    )
    assert response.status_code == 422
    assert "translation" in response.context["form"].errors


def test_article_preview_is_rendered_safely(admin_client):
    response = admin_client.post("/knowledge/preview/", {"body": "# عنوان\n<img src=x onerror=1>"})
    body = response.content.decode()
    assert "<h2>عنوان</h2>" in body and "<img" not in body


def test_canned_response_editor_offers_placeholders_and_previews(agent_client):
    page = agent_client.get("/knowledge/canned/new/").content.decode()
    assert 'data-insert-placeholder="customer.first_name"' in page
    preview = agent_client.post(
        "/knowledge/canned/preview/",
        {"body": "سلام {{customer.first_name}} {{customer.age}} <b>", "language": "fa"},
    ).content.decode()
    assert "سلام مریم" in preview
    assert "customer.age" in preview and "&lt;b&gt;" in preview


def test_agents_create_personal_responses_and_editors_share_them(agent_client, agent):
    response = agent_client.post(
        "/knowledge/canned/new/",
        {
            "title": "پیگیری",
            "body": "سلام {{customer.first_name}}",
            "language": "fa",
            "is_shared": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    saved = CannedResponse.objects.get(title="پیگیری")
    assert saved.owner == agent
    assert saved.is_shared  # support agents have knowledge.change


def test_unknown_placeholder_is_an_error_next_to_the_text(agent_client):
    response = agent_client.post(
        "/knowledge/canned/new/",
        {"title": "x", "body": "سلام {{customer.nick}}", "language": "fa", "is_active": "on"},
    )
    assert response.status_code == 422
    assert "customer.nick" in str(response.context["form"].errors["body"])
    assert not CannedResponse.objects.exists()


def test_canned_list_filters(agent_client):
    fa = CannedResponseFactory(title="پاسخ پرداخت", language="fa")
    en = CannedResponseFactory(title="Payment reply", language="en", body="Hi")
    page = agent_client.get("/knowledge/canned/", {"language": "en"}).content.decode()
    assert en.title in page and fa.title not in page
    page = agent_client.get("/knowledge/canned/", {"q": "پرداخت"}).content.decode()
    assert fa.title in page and en.title not in page


def test_pages_speak_persian_by_default_and_english_to_english_users(client, admin_user):
    article = make_article("Reset your password", "Open **Settings**.", language="en")
    client.force_login(admin_user)
    page = client.get("/knowledge/").content.decode()
    assert 'dir="rtl"' in page and "پایگاه دانش" in page and "مقاله جدید" in page
    admin_user.language = "en"
    admin_user.save()
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'dir="ltr"' in page and "Was this article helpful?" in page
