"""A lead's history on the timeline.

Entries about a lead point at it through the timeline's `source`. Before conversion that is
their only anchor (a lead has no contact yet); conversion sets the contact (and company) on all
of them in one UPDATE, so the whole history appears on the customer's timeline."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from peyvand.contacts.models import Company, Contact
from peyvand.timeline import registry
from peyvand.timeline import services as timeline
from peyvand.timeline.models import TimelineEntry

from .models import Lead

# Kinds this app writes; registered in registrations.py.
LEAD_CREATED, INQUIRY, LEAD_STATUS, LEAD_CONVERTED = (
    "lead_created",
    "inquiry",
    "lead_status",
    "lead_converted",
)


def _author(user):
    return user if getattr(user, "is_authenticated", False) else None


def record(
    lead: Lead,
    kind: str,
    *,
    user=None,
    subject: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """An entry about `lead`: on its contact's timeline once it has one, otherwise anchored
    to the lead alone until conversion moves it."""
    return timeline.record_entry(
        kind=kind,
        contact=lead.contact,
        company=lead.company,
        author=_author(user),
        subject=subject,
        body=body,
        source=lead,
        data=data,
    )


def record_on_contact(
    contact: Contact,
    kind: str,
    *,
    user=None,
    subject: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    return timeline.record_entry(
        kind=kind,
        contact=contact,
        author=_author(user),
        subject=subject,
        body=body,
        data=data,
    )


def log(lead: Lead, kind: str, *, user, **values: Any) -> TimelineEntry:
    """A call, e-mail, meeting, SMS or note logged by a person, validated by the timeline."""
    return timeline.log_interaction(
        kind,
        contact=lead.contact,
        company=lead.company,
        author=_author(user),
        source=lead,
        **{k: v for k, v in values.items() if v not in (None, "")},
    )


def is_interaction(kind: str) -> bool:
    return registry.is_registered(kind) and registry.get_entry_kind(kind).interaction


def entries_for(lead: Lead):
    return TimelineEntry.objects.filter(
        source_type=ContentType.objects.get_for_model(Lead), source_id=lead.pk
    )


def move_history(lead: Lead, *, contact: Contact, company: Company | None) -> int:
    """Put every entry of the lead on the contact's (and company's) timeline."""
    entries = entries_for(lead)
    moved = entries.filter(contact__isnull=True).update(contact=contact)
    if company is not None:
        entries.filter(company__isnull=True).update(company=company)
    latest = entries.filter(kind__in=registry.interaction_kinds()).aggregate(
        latest=Max("occurred_at")
    )["latest"]
    if latest is not None:
        timeline.mark_contacted(contact, latest)
        if company is not None:
            timeline.mark_contacted(company, latest)
    return moved
