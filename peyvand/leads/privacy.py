"""Leads converted into a customer, for export and erasure (contacts.privacy).

Erasure keeps the lead (channel, status, score band, dates, owner: funnel reports count it) and
blanks what the person typed or was recorded with: name, phone, e-mail, message, raw source."""

from __future__ import annotations

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import Lead

PERSONAL = (
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "phone",
    "email",
    "province",
    "city",
    "message",
    "close_note",
)


def _leads_of(record):
    field = "company" if record._meta.model_name == "company" else "contact"
    return Lead.objects.filter(**{field: record})


def export_leads(record) -> ExportPart:
    fields = ("id", "created_at", "channel", "source_name", "status", *PERSONAL, "consent_text")
    return ExportPart(rows(_leads_of(record).order_by("created_at", "id"), *fields))


def erase_leads(erasure: Erasure) -> None:
    from . import services

    # The leads converted into the erased record.
    condition = erasure.owner_q()
    leads = Lead.objects.filter(condition)
    for values in leads.values_list(*PERSONAL):
        erasure.add_strings(*values)
    erasure.forget_queryset(leads)
    blank = {name: "" for name in PERSONAL}
    leads.update(**blank, source={}, score_explanation=[], consent_text="")
    for lead in Lead.objects.filter(condition):
        services.reindex(lead)


def register() -> None:
    register_exporter("leads", export_leads, order=30)
    register_eraser("leads", erase_leads)
