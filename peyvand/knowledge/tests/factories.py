import factory
from factory.django import DjangoModelFactory

from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.knowledge import services
from peyvand.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleStatus,
    CannedResponse,
    Language,
    Visibility,
)

__all__ = [
    "ArticleCategoryFactory",
    "CannedResponseFactory",
    "RoleFactory",
    "TeamFactory",
    "UserFactory",
    "make_article",
]


class ArticleCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ArticleCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"دسته {n}")


def make_article(
    title: str = "راهنمای ورود به حساب کاربری",
    body: str = "برای ورود، نشانی ایمیل و گذرواژه خود را وارد کنید.",
    *,
    language: str = Language.FA,
    status: str = ArticleStatus.PUBLISHED,
    visibility: str = Visibility.INTERNAL,
    author=None,
    **extra,
) -> Article:
    """An article written through services.save_article, so it is indexed for search as in
    real use."""
    return services.save_article(
        None,
        user=author,
        title=title,
        body=body,
        language=language,
        status=status,
        visibility=visibility,
        **extra,
    )


class CannedResponseFactory(DjangoModelFactory):
    class Meta:
        model = CannedResponse

    title = factory.Sequence(lambda n: f"پاسخ آماده {n}")
    body = (
        "سلام {{customer.first_name}} عزیز، درخواست {{ticket.reference}} بررسی شد. {{agent.name}}"
    )
    language = Language.FA
    is_shared = True
