"""Leads from e-mail: one RFC 822 message in, one lead (or an inquiry on the lead or contact it
matches) out.

Messages arrive either piped by the mail server to `manage.py receive_lead_email` (Postfix
`pipe`, procmail, an alias "| command"), or fetched by `manage.py fetch_lead_email` from an
IMAP mailbox on a schedule. Auto-replies and bounces are ignored; the Message-ID makes a
message delivered twice count once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from peyvand.core.mail import MAX_MESSAGE_BYTES, ImapSettings, ParsedEmail, parse_message
from peyvand.core.mail import fetch_mailbox as fetch_imap
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone

from . import services
from .inputs import MESSAGE_MAX, LeadInput
from .models import Channel, Lead

__all__ = [
    "MAX_MESSAGE_BYTES",
    "EmailResult",
    "ImapSettings",
    "ParsedEmail",
    "fetch_mailbox",
    "find_phone",
    "parse_message",
    "process_message",
]

_PHONE_CANDIDATE = re.compile(r"(?:\+|00)?[0-9۰-۹٠-٩][0-9۰-۹٠-٩ \-]{8,16}[0-9۰-۹٠-٩]")

LEAD, ATTACHED_LEAD, ATTACHED_CONTACT, DUPLICATE, IGNORED, INVALID = (
    "lead",
    "attached_lead",
    "attached_contact",
    "duplicate",
    "ignored",
    "invalid",
)


@dataclass
class EmailResult:
    status: str
    lead: Lead | None = None
    reason: str = ""


def find_phone(text: str) -> str:
    """The first valid phone number written in the text (a signature, "call me on ...")."""
    for match in _PHONE_CANDIDATE.finditer(text or ""):
        try:
            return normalize_phone(match.group())
        except InvalidPhoneNumber:
            continue
    return ""


def process_message(raw: bytes, *, mailbox: str = "") -> EmailResult:
    if len(raw) > MAX_MESSAGE_BYTES:
        return EmailResult(INVALID, reason="message too large")
    parsed = parse_message(raw)
    if parsed.auto_reply:
        return EmailResult(IGNORED, reason="auto-reply or bulk mail")
    own = {settings.DEFAULT_FROM_EMAIL.lower(), settings.SERVER_EMAIL.lower()}
    if not parsed.from_address or parsed.from_address in own:
        return EmailResult(IGNORED, reason="no sender, or our own address")
    message = "\n\n".join(part for part in (parsed.subject, parsed.body) if part)[:MESSAGE_MAX]
    try:
        data = LeadInput.from_data(
            {
                "name": parsed.from_name[:200],
                "email": parsed.from_address,
                "phone": find_phone(parsed.body[:5000]),
                "message": message,
            }
        )
    except ValidationError as exc:
        return EmailResult(INVALID, reason="; ".join(exc.messages))
    key = parsed.message_id or hashlib.sha256(raw).hexdigest()
    source = {"subject": parsed.subject, "message_id": parsed.message_id, "to": parsed.to}
    if mailbox:
        source["mailbox"] = mailbox
    try:
        result = services.capture_lead(
            channel=Channel.EMAIL, data=data, source=source, idempotency_key=f"email:{key}"
        )
    except services.IdempotencyConflict:
        return EmailResult(DUPLICATE, reason="this Message-ID was already received")
    if result.replayed:
        return EmailResult(DUPLICATE, lead=result.lead, reason="already received")
    if result.attached_to == "lead":
        return EmailResult(ATTACHED_LEAD, lead=result.lead)
    if result.attached_to == "contact":
        return EmailResult(ATTACHED_CONTACT)
    return EmailResult(LEAD, lead=result.lead)


# --- IMAP ------------------------------------------------------------------------------------


def fetch_mailbox(config: ImapSettings, *, limit: int = 100) -> dict[str, int]:
    """Turn the unread messages of an IMAP folder into leads; each is marked read once handled
    (peyvand.core.mail.fetch_mailbox)."""
    return fetch_imap(
        config, lambda raw, mailbox: process_message(raw, mailbox=mailbox).status, limit=limit
    )
