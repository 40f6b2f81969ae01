"""Knowledge base for the demo data set: the same starter articles and canned responses as
`manage.py load_knowledge_samples`, written in the name of the support team's lead so that
flush() can tell them from articles that were there before the demo."""

from __future__ import annotations

from .models import Article, ArticleCategory, CannedResponse
from .samples import load_samples

# The support team's manager in peyvand.demo.foundation.USERS.
AUTHOR = "zahra"


def load(context) -> dict[str, int]:
    author = context.users.get(AUTHOR)
    result = load_samples(user=author)
    return {
        "knowledge articles": result.articles,
        "canned responses": result.canned_responses,
    }


def flush() -> None:
    """Delete the articles and canned responses the demo wrote (existing ones are kept: the
    samples loader skips titles that already exist, so those keep their own author)."""
    Article.objects.filter(author__username=AUTHOR).delete()
    CannedResponse.objects.filter(owner__username=AUTHOR).delete()
    ArticleCategory.objects.filter(
        name__in=["حساب کاربری", "پشتیبانی", "مالی و فاکتور", "راهنمای کارشناسان"],
        articles=None,
        canned_responses=None,
        children=None,
    ).delete()
