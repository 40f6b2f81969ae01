"""Knowledge base: articles (Persian and English) in categories, and canned responses.

Bodies are stored as the author typed them (a small Markdown subset, see markup.py) and are
only ever shown through markup.render_markdown, which escapes everything first: no HTML a user
typed ever reaches a page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions

KNOWLEDGE = "knowledge"
# The global search kind of articles (search.registry).
ARTICLE_KIND = "article"

TITLE_MAX = 200
BODY_MAX = 100_000


class Language(models.TextChoices):
    FA = "fa", _("Persian")
    EN = "en", _("English")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (staff only)")
    PUBLIC = "public", _("Public (customer portal)")


class ArticleCategory(models.Model):
    """A shelf of articles and canned responses; categories may nest one inside another."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ArticleTag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ArticleStatus.PUBLISHED)

    def public(self):
        """What customers may read in the portal: published and public."""
        return self.published().filter(visibility=Visibility.PUBLIC)

    def visible_to(self, user):
        """Staff with VIEW read published and archived articles; drafts are for their author
        and for those who may change articles (editors)."""
        if not permissions.has_perm(user, KNOWLEDGE, permissions.VIEW):
            return self.none()
        if permissions.has_perm(user, KNOWLEDGE, permissions.CHANGE):
            return self.all()
        return self.filter(~Q(status=ArticleStatus.DRAFT) | Q(author_id=user.pk))


class Article(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Plain text with simple formatting: # heading, - list item, **bold**, "
            "[link text](https://...). HTML is shown as text."
        ),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FA
    )
    # The same article in the other language; kept symmetric by services.set_translation.
    translation = models.OneToOneField(
        "self",
        verbose_name=_("translation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    tags = models.ManyToManyField(
        ArticleTag, verbose_name=_("tags"), blank=True, related_name="articles"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("found it helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("did not find it helpful"), default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "visibility", "language"], name="kb_article_state"),
            models.Index(fields=["-updated_at", "-id"], name="kb_article_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC

    @property
    def text_direction(self) -> str:
        return "rtl" if self.language == Language.FA else "ltr"


class CannedResponseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Shared responses for everyone with VIEW; personal ones for their owner only."""
        if not permissions.has_perm(user, KNOWLEDGE, permissions.VIEW):
            return self.none()
        return self.filter(Q(is_shared=True) | Q(owner_id=user.pk))


class CannedResponse(models.Model):
    """A ready reply with placeholders ({{customer.first_name}}...), see placeholders.py."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FA
    )
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="canned_responses",
    )
    is_shared = models.BooleanField(
        _("shared with the team"),
        default=True,
        help_text=_("Shared responses are offered to every agent; personal ones only to you."),
    )
    # Retired responses stay for the tickets they were used on but are no longer offered.
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="canned_responses",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:canned_edit", args=[self.pk])

    def can_edit(self, user) -> bool:
        """Personal responses belong to their owner; shared ones to those who may change."""
        if not permissions.has_perm(user, KNOWLEDGE, permissions.VIEW):
            return False
        if not self.is_shared:
            return self.owner_id == user.pk
        return permissions.has_perm(user, KNOWLEDGE, permissions.CHANGE)
