"""Article search: the global search's Persian-aware matching, over published articles only."""

import pytest

from peyvand.knowledge import services
from peyvand.knowledge.models import ArticleStatus, Language, Visibility
from peyvand.knowledge.selectors import search_articles
from peyvand.search.models import SearchEntry
from peyvand.search.selectors import search

from .factories import ArticleCategoryFactory, UserFactory, make_article

pytestmark = pytest.mark.django_db


def test_arabic_yeh_and_kaf_find_the_persian_spelling():
    article = make_article("فعال‌سازی کارت یکپارچه", "کارت را از بخش تنظیمات فعال کنید.")
    assert search_articles("كارت يكپارچه") == [article]  # Arabic ك and ي typed
    assert search_articles("کارت یکپارچه") == [article]


def test_text_typed_with_arabic_letters_is_found_by_persian_queries():
    article = make_article("راهنماي كاربري", "متن")  # stored as typed on an Arabic keyboard
    assert search_articles("راهنمای کاربری") == [article]


@pytest.mark.parametrize("query", ["نمی‌شود", "نمیشود", "نمی شود"])
def test_zwnj_joined_and_spaced_spellings_are_equivalent(query):
    article = make_article("پیامک تأیید ارسال نمی‌شود", "شماره همراه را بررسی کنید.")
    assert search_articles(query) == [article]


def test_persian_and_latin_digits_are_equivalent():
    persian = make_article("خطای ۴۰۴ هنگام پرداخت", "صفحه پرداخت پیدا نمی‌شود.")
    latin = make_article("Error 502 at checkout", "The gateway is down.", language=Language.EN)
    assert search_articles("404") == [persian]
    assert search_articles("۵۰۲") == [latin]


def test_words_of_the_body_tags_and_category_find_an_article():
    category = ArticleCategoryFactory(name="صورتحساب")
    article = make_article(
        "تغییر روش پرداخت", "از منوی حساب، گزینه کیف پول را بزنید.", category=category
    )
    services.save_article(article, user=None, tags=["اقساط", "VPN"])
    for query in ("کیف پول", "اقساط", "vpn", "صورتحساب", "تغییر روش"):
        assert search_articles(query) == [article], query


def test_every_word_must_match_and_prefixes_match():
    article = make_article("بازیابی گذرواژه", "لینک بازیابی به ایمیل شما فرستاده می‌شود.")
    assert search_articles("بازیا") == [article]
    assert search_articles("بازیابی تلفن") == []


def test_title_matches_rank_above_body_matches():
    in_body = make_article("تنظیمات اعلان‌ها", "برای دریافت فاکتور ایمیل خود را وارد کنید.")
    in_title = make_article("دریافت فاکتور", "فاکتورها ماهانه صادر می‌شوند.")
    assert search_articles("فاکتور") == [in_title, in_body]


def test_drafts_and_archived_articles_are_never_found():
    draft = make_article("پیش‌نویس راهنمای مودم", "متن", status=ArticleStatus.DRAFT)
    published = make_article("راهنمای مودم", "متن")
    assert search_articles("مودم") == [published]
    services.save_article(published, user=None, status=ArticleStatus.ARCHIVED)
    assert search_articles("مودم") == []
    assert not SearchEntry.objects.filter(object_id__in=[draft.pk, published.pk]).exists()
    services.save_article(draft, user=None, status=ArticleStatus.PUBLISHED)
    assert search_articles("مودم") == [draft]


def test_public_only_hides_internal_articles():
    internal = make_article("تنظیم روتر برای کارشناسان", "داخلی")
    public = make_article("تنظیم روتر خانگی", "عمومی", visibility=Visibility.PUBLIC)
    assert set(search_articles("روتر")) == {internal, public}
    assert search_articles("روتر", public_only=True) == [public]


def test_language_and_category_filters():
    billing = ArticleCategoryFactory(name="مالی")
    invoices = ArticleCategoryFactory(name="فاکتورها", parent=billing)
    fa = make_article("دانلود فاکتور", "متن", category=invoices)
    en = make_article("Download invoice", "invoice", language=Language.EN, category=billing)
    other = make_article("فاکتور قدیمی", "متن")
    assert search_articles("فاکتور", language="fa", category=billing.pk) == [fa]
    assert search_articles("invoice", language="en") == [en]
    assert other in search_articles("فاکتور")


def test_blank_or_punctuation_only_queries_find_nothing():
    make_article()
    assert search_articles("") == []
    assert search_articles("   ") == []
    assert search_articles("?!") == []
    assert search_articles(None) == []


def test_search_syntax_in_the_query_is_matched_literally():
    article = make_article('راهنمای "اتصال" OR شبکه', "متن")
    assert search_articles('"اتصال" OR') == [article]
    assert search_articles("NEAR(شبکه") == []
    assert search_articles("'; DROP TABLE knowledge_article; --") == []


def test_search_costs_two_queries(django_assert_max_num_queries):
    for n in range(5):
        make_article(f"راهنمای شماره {n}", "متن درباره اینترنت")
    with django_assert_max_num_queries(2):
        found = search_articles("اینترنت", limit=3)
    assert len(found) == 3


def test_global_search_finds_articles_for_those_who_may_view_the_knowledge_base(no_role_user):
    article = make_article("اتصال به وای‌فای", "متن")
    reader = UserFactory(role__name="Read only")
    hits = search(reader, "وایفای")
    assert [(h.kind, h.object_id) for h in hits] == [("article", article.pk)]
    assert hits[0].url == article.get_absolute_url()
    assert search(no_role_user, "وایفای") == []


def test_rebuild_index_keeps_published_articles_only():
    from peyvand.search.services import rebuild_index

    published = make_article("راهنمای چاپگر", "متن")
    draft = make_article("چاپگر پیش‌نویس", "متن", status=ArticleStatus.DRAFT)
    SearchEntry.objects.all().delete()
    assert rebuild_index(["article"]) == {"article": 1}
    assert search_articles("چاپگر") == [published]
    assert draft not in search_articles("چاپگر")
