"""Knowledge used on tickets: link an article, insert a canned response (rendered for the ticket),
and the reads reports need (which resources were used, on which problems, how many of those
tickets were solved).

    from peyvand.service import resources
    use, created = resources.link_article(ticket, article, user=request.user)
    rendered = resources.use_canned_response(ticket, canned, user=request.user)
    rendered.text      # for the reply box; rendered.unknown / .missing name unfilled placeholders
    resources.top_articles((start_at, end_at), tickets=Ticket.objects.visible_to(user))

Each resource is recorded once per ticket (a second link or insert changes nothing but may
upgrade "linked" to "inserted"). Callers fetch the ticket with Ticket.objects.visible_to(user)
(404 otherwise); these functions check the module permissions (tickets.change to use resources
on a ticket, knowledge.view to read them) and raise PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts.permissions import CHANGE, VIEW, has_perm
from peyvand.knowledge import placeholders
from peyvand.knowledge.models import KNOWLEDGE, Article, ArticleStatus, CannedResponse

from .models import TICKETS, ResourceUse, Ticket, TicketResource

RESOLVED_STATUSES = ("resolved", "closed")


def _require_use(user) -> None:
    if not (has_perm(user, TICKETS, CHANGE) and has_perm(user, KNOWLEDGE, VIEW)):
        raise PermissionDenied(_("You do not have permission to do this."))


def _record(ticket: Ticket, *, user, kind: str, **resource: Any) -> tuple[TicketResource, bool]:
    """The ticket's one row for this resource, created now or found (race-safe)."""
    existing = TicketResource.objects.filter(ticket=ticket, **resource).first()
    if existing is None:
        try:
            with transaction.atomic():
                return (
                    TicketResource.objects.create(
                        ticket=ticket, used_by=user, kind=kind, **resource
                    ),
                    True,
                )
        except IntegrityError:
            # Someone linked it at the same moment: theirs is the record.
            existing = TicketResource.objects.get(ticket=ticket, **resource)
    if kind == ResourceUse.INSERTED and existing.kind != ResourceUse.INSERTED:
        # Sent to the customer is the stronger fact; keep who used it first and when.
        existing.kind = ResourceUse.INSERTED
        existing.save(update_fields=["kind"])
    return existing, False


# --- Writes ---------------------------------------------------------------------------------


def link_article(
    ticket: Ticket, article: Article, *, user, kind: str = ResourceUse.LINKED
) -> tuple[TicketResource, bool]:
    """Record that `article` helps with `ticket` (once per ticket); returns (record, created).

    Only published articles can be linked; `kind="inserted"` when its link went into a reply."""
    _require_use(user)
    if kind not in ResourceUse.values:
        raise ValidationError({"kind": [_("Choose one of the listed options.")]})
    if article.status != ArticleStatus.PUBLISHED:
        raise ValidationError({"article_id": [_("Only published articles can be linked.")]})
    return _record(ticket, user=user, kind=kind, article=article)


def unlink_article(ticket: Ticket, article: Article, *, user) -> bool:
    """Remove a link made by mistake; True when there was one."""
    _require_use(user)
    deleted, _rows = TicketResource.objects.filter(ticket=ticket, article=article).delete()
    return bool(deleted)


def _customer(ticket: Ticket) -> Any:
    if ticket.contact_id:
        return ticket.contact
    name = (ticket.requester_name or "").strip()
    if not name:
        return None
    first, _sep, last = name.partition(" ")
    return SimpleNamespace(first_name=first, last_name=last.strip(), full_name=name)


def render_canned_response(
    ticket: Ticket, response: CannedResponse, *, user
) -> placeholders.RenderedResponse:
    """The response's text filled in for this ticket, without recording anything (preview)."""
    _require_use(user)
    if not CannedResponse.objects.visible_to(user).active().filter(pk=response.pk).exists():
        raise ValidationError({"canned_response_id": [_("Choose an active canned response.")]})
    values = placeholders.placeholder_values(
        customer=_customer(ticket),
        company=ticket.company if ticket.company_id else None,
        ticket=ticket,
        agent=user,
        language=response.language,
    )
    return placeholders.render(response.body, values)


def use_canned_response(
    ticket: Ticket, response: CannedResponse, *, user
) -> placeholders.RenderedResponse:
    """Text for the reply box, filled in for this ticket; records the use once per ticket.

    Placeholders without a value (no customer on the ticket) stay as written and are listed
    in `missing`, so the agent completes them before sending."""
    rendered = render_canned_response(ticket, response, user=user)
    _record(ticket, user=user, kind=ResourceUse.INSERTED, canned_response=response)
    return rendered


# --- Reads ----------------------------------------------------------------------------------


def ticket_resources(ticket: Ticket) -> list[TicketResource]:
    """What was used on the ticket, first used first (one query)."""
    return list(
        TicketResource.objects.filter(ticket=ticket)
        .select_related("article", "canned_response", "used_by")
        .only(
            "id",
            "kind",
            "used_at",
            "ticket_id",
            "article__id",
            "article__title",
            "article__language",
            "article__visibility",
            "article__status",
            "canned_response__id",
            "canned_response__title",
            "used_by__id",
            "used_by__first_name",
            "used_by__last_name",
            "used_by__username",
        )
    )


@dataclass(frozen=True)
class ResourceStat:
    id: int
    title: str
    language: str
    tickets: int  # tickets it was used on in the period
    resolved: int  # of those, how many are resolved or closed now
    url: str = ""

    @property
    def resolved_share(self) -> float | None:
        return self.resolved / self.tickets if self.tickets else None


Period = tuple[dt.datetime, dt.datetime]


def _uses(period: Period, tickets: QuerySet | None) -> QuerySet:
    start, end = period
    uses = TicketResource.objects.filter(used_at__gte=start, used_at__lt=end)
    if tickets is not None:
        uses = uses.filter(ticket__in=tickets.values("pk"))
    return uses


def _stats(uses: QuerySet, field: str, limit: int) -> list[dict]:
    solved = Q(ticket__status__in=RESOLVED_STATUSES)
    return list(
        uses.filter(**{f"{field}__isnull": False})
        .order_by()
        .values(f"{field}_id", f"{field}__title", f"{field}__language")
        .annotate(
            tickets=Count("ticket", distinct=True),
            resolved=Count("ticket", filter=solved, distinct=True),
        )
        .order_by("-tickets", "-resolved", f"{field}__title")[:limit]
    )


def top_articles(
    period: Period, *, tickets: QuerySet | None = None, limit: int = 10
) -> list[ResourceStat]:
    """Articles linked (or sent) on the most tickets in [start, end), with how many of those
    tickets are solved. `tickets` limits it to some tickets (those a user may see). One query."""
    from django.urls import reverse

    return [
        ResourceStat(
            id=row["article_id"],
            title=row["article__title"],
            language=row["article__language"],
            tickets=row["tickets"],
            resolved=row["resolved"],
            url=reverse("knowledge:article", args=[row["article_id"]]),
        )
        for row in _stats(_uses(period, tickets), "article", limit)
    ]


def top_canned_responses(
    period: Period, *, tickets: QuerySet | None = None, limit: int = 10
) -> list[ResourceStat]:
    """Canned responses inserted on the most tickets in [start, end). One query."""
    return [
        ResourceStat(
            id=row["canned_response_id"],
            title=row["canned_response__title"],
            language=row["canned_response__language"],
            tickets=row["tickets"],
            resolved=row["resolved"],
        )
        for row in _stats(_uses(period, tickets), "canned_response", limit)
    ]


def resources_by_category(
    period: Period, *, tickets: QuerySet | None = None, per_category: int = 5
) -> list[dict[str, Any]]:
    """Which resources solve which problems: per ticket category, the articles and responses
    used on most of its tickets in [start, end). One query.

    [{"category": "Billing", "resources": [{"kind": "article", "id": 3, "title": ...,
    "tickets": 12, "resolved": 10}, ...]}, ...]"""
    rows = (
        _uses(period, tickets)
        .order_by()
        .values(
            "ticket__category__name",
            "article_id",
            "article__title",
            "canned_response_id",
            "canned_response__title",
        )
        .annotate(
            tickets=Count("ticket", distinct=True),
            resolved=Count("ticket", filter=Q(ticket__status__in=RESOLVED_STATUSES), distinct=True),
        )
        .order_by("ticket__category__name", "-tickets")
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        category = row["ticket__category__name"] or _("No category")
        items = groups.setdefault(category, [])
        if len(items) >= per_category:
            continue
        is_article = row["article_id"] is not None
        items.append(
            {
                "kind": "article" if is_article else "canned_response",
                "id": row["article_id"] if is_article else row["canned_response_id"],
                "title": row["article__title"] if is_article else row["canned_response__title"],
                "tickets": row["tickets"],
                "resolved": row["resolved"],
            }
        )
    return [{"category": name, "resources": items} for name, items in groups.items()]


def last_days(days: int, *, now: dt.datetime | None = None) -> Period:
    """(now - days, now): a convenient period."""
    now = now or timezone.now()
    return now - dt.timedelta(days=days), now
