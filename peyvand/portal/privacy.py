"""Portal sign-in codes of a customer, for export and erasure (contacts.privacy).

The portal has no accounts of its own: a customer signs in with a one-time code sent to a phone or
e-mail address of their contact record, so erasing the record's phones and e-mails (contacts)
closes the portal to them. What remains here are the codes sent, with the address they went to
and the requesting IP address: erasure deletes them (they only serve rate limits)."""

from __future__ import annotations

from django.db.models import Q

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import LoginCode


def export_portal(record) -> ExportPart:
    if record._meta.model_name != "contact":
        return ExportPart([])
    codes = LoginCode.objects.filter(contact=record).order_by("created_at")
    return ExportPart(rows(codes, "identifier", "channel", "ip_address", "created_at"))


def erase_portal(erasure: Erasure) -> None:
    # Codes asked for the customer's addresses without a contact link count too; contacts has
    # already deleted the phones and e-mails, but collected them into `erasure.strings`.
    identifiers = [value.lower() for value in erasure.strings]
    LoginCode.objects.filter(
        Q(contact__in=erasure.contact_ids) | Q(identifier__in=identifiers)
    ).delete()


def register() -> None:
    register_exporter("portal", export_portal, order=70)
    register_eraser("portal", erase_portal)
