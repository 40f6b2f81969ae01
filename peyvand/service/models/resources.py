"""Knowledge used on tickets: which articles were linked and which canned responses inserted,
so reports can tell which resources solve which problems (see service/resources.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ResourceUse", "TicketResource"]


class ResourceUse(models.TextChoices):
    # An article attached to the ticket as the reference that answers it.
    LINKED = "linked", _("Linked")
    # Text put into a reply: a canned response, or an article's link sent to the customer.
    INSERTED = "inserted", _("Inserted into a reply")


class TicketResource(models.Model):
    ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="resources",
    )
    # Protected: a resource used on tickets is archived or made inactive, never deleted, so the
    # history (and the reports) keep it.
    article = models.ForeignKey(
        "knowledge.Article",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket_uses",
    )
    canned_response = models.ForeignKey(
        "knowledge.CannedResponse",
        verbose_name=_("canned response"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket_uses",
    )
    kind = models.CharField(
        _("how it was used"), max_length=10, choices=ResourceUse.choices, default=ResourceUse.LINKED
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("used by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    used_at = models.DateTimeField(_("used"), default=timezone.now)

    class Meta:
        ordering = ["used_at", "id"]
        verbose_name = _("resource used on a ticket")
        verbose_name_plural = _("resources used on tickets")
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=False, canned_response__isnull=True)
                | Q(article__isnull=True, canned_response__isnull=False),
                name="ticket_resource_one_kind",
            ),
            models.UniqueConstraint(
                fields=["ticket", "article"],
                condition=Q(article__isnull=False),
                name="ticket_resource_article_once",
            ),
            models.UniqueConstraint(
                fields=["ticket", "canned_response"],
                condition=Q(canned_response__isnull=False),
                name="ticket_resource_canned_once",
            ),
        ]
        indexes = [models.Index(fields=["used_at"], name="ticket_resource_used_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.resource}"

    @property
    def resource(self):
        return self.article if self.article_id else self.canned_response

    @property
    def title(self) -> str:
        resource = self.resource
        return resource.title if resource is not None else ""
