"""How leads appear in, and are found by, the global search."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.search.services import SearchDocument

from .models import Lead


def lead_document(lead: Lead) -> SearchDocument:
    subtitle = " · ".join(part for part in (lead.company_name, lead.product, lead.city) if part)
    return SearchDocument(
        title=lead.display_name,
        subtitle=subtitle,
        url=lead.get_absolute_url(),
        texts=[lead.first_name, lead.last_name, lead.company_name, lead.city, lead.product],
        phones=[lead.phone] if lead.phone else [],
        emails=[lead.email] if lead.email else [],
        owner_id=lead.owner_id,
        team_id=lead.team_id,
    )


def leads_to_index() -> QuerySet:
    return Lead.objects.order_by("pk")
