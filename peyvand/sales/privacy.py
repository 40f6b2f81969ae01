"""Deals and quotes of a customer, for export and erasure (contacts.privacy).

Erasure keeps values, stages, status and dates (pipeline and forecast reports, commissions) and
blanks the free text: notes, terms, lost notes, and the customer's name inside titles."""

from __future__ import annotations

import re

from peyvand.contacts.privacy import (
    REDACTED,
    Erasure,
    ExportPart,
    register_eraser,
    register_exporter,
    rows,
)

from .models import Deal, Quote


def _field(record) -> str:
    return "company" if record._meta.model_name == "company" else "contact"


def export_sales(record) -> ExportPart:
    deals = Deal.objects.filter(**{_field(record): record}).order_by("created_at", "id")
    quotes = Quote.objects.filter(**{_field(record): record}).order_by("created_at", "id")
    return ExportPart(
        {
            "deals": rows(
                deals, "id", "title", "amount", "currency", "stage__name", "status", "lost_note"
            ),
            "quotes": rows(quotes, "id", "number", "title", "status", "notes", "terms"),
        }
    )


def _without(text: str, pattern: re.Pattern | None) -> str:
    return pattern.sub(REDACTED, text) if pattern and text else text


def erase_sales(erasure: Erasure) -> None:
    from . import services

    deals = Deal.objects.filter(erasure.owner_q())
    quotes = Quote.objects.filter(erasure.owner_q())
    for notes, terms in quotes.values_list("notes", "terms"):
        erasure.add_strings(notes, terms)
    strings = sorted(erasure.strings, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, strings)), re.IGNORECASE) if strings else None
    for deal in deals:
        deal.title = _without(deal.title, pattern)
        deal.lost_note = ""
        deal.save(update_fields=["title", "lost_note"])
    for quote in quotes:
        quote.title = _without(quote.title, pattern)
        quote.notes = ""
        quote.terms = ""
        quote.rejection_reason = ""
        quote.save(update_fields=["title", "notes", "terms", "rejection_reason"])
    for deal in Deal.objects.filter(erasure.owner_q()):
        services.reindex(deal)


def register() -> None:
    register_exporter("sales", export_sales, order=50)
    register_eraser("sales", erase_sales)
