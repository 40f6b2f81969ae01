"""Hooks for apps above leads.

`lead_converted` is sent inside convert_lead's transaction, after the contact (and company) are
written: sender=Lead; lead, contact, company (or None), user, create_deal (bool), deal_input
(dict). The sales app connects to it to open a deal; the conversion form offers "create a deal"
only while some receiver is connected."""

from django.dispatch import Signal

lead_converted = Signal()


def deal_creation_available() -> bool:
    return lead_converted.has_listeners()
