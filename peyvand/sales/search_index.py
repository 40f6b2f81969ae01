"""How deals appear in, and are found by, the global search."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.core.money import format_money
from peyvand.search.services import SearchDocument

from .models import Deal


def deal_document(deal: Deal) -> SearchDocument:
    customer = [str(part) for part in (deal.company, deal.contact) if part is not None]
    subtitle = " · ".join([*customer, format_money(deal.amount, deal.currency)])
    return SearchDocument(
        title=deal.title,
        subtitle=subtitle,
        url=deal.get_absolute_url(),
        texts=[deal.title, deal.source_campaign, *customer],
        owner_id=deal.owner_id,
        team_id=deal.team_id,
    )


def deals_to_index() -> QuerySet:
    return Deal.objects.select_related("contact", "company").order_by("pk")
