"""Customer portal writes: one-time-code sign-in, and tickets opened or answered by customers
(through the service desk's own services, with the portal channel)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override

from peyvand.contacts.models import Contact, Email, Phone
from peyvand.contacts.services import normalize_email
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone
from peyvand.core.sms import send_sms
from peyvand.service import services as tickets
from peyvand.service.models import Ticket, TicketChannel, TicketMessage

from .models import CodeChannel, LoginCode

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
_HASH_SALT = "peyvand.portal.LoginCode"


class RateLimited(Exception):
    """Too many codes were asked for this address or from this network address."""


class CodeRejected(Exception):
    """The code is wrong, expired, used, or tried too often; `message` says which, in words
    that never reveal whether the address belongs to a customer."""

    def __init__(self, message: str, *, exhausted: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.exhausted = exhausted


@dataclass
class Identifier:
    value: str  # the stored form: lower-case e-mail or E.164 phone
    channel: str


def parse_identifier(raw: str) -> Identifier:
    """An e-mail address or a mobile number, as the customer typed it."""
    raw = (raw or "").strip()
    if "@" in raw:
        address = normalize_email(raw)
        local, _at, domain = address.partition("@")
        if not local or "." not in domain or len(address) > 254 or " " in address:
            raise ValidationError(_("Enter a valid email address or mobile number."))
        return Identifier(address, CodeChannel.EMAIL)
    try:
        return Identifier(normalize_phone(raw), CodeChannel.SMS)
    except InvalidPhoneNumber as exc:
        raise ValidationError(_("Enter a valid email address or mobile number.")) from exc


def _code_hash(login_code_identifier: str, created: str, code: str) -> str:
    value = f"{login_code_identifier}|{created}|{code}"
    return salted_hmac(_HASH_SALT, value, algorithm="sha256").hexdigest()


def find_contact(identifier: Identifier) -> Contact | None:
    """The customer with this address: the oldest alive contact that has it."""
    model = Email if identifier.channel == CodeChannel.EMAIL else Phone
    field = "address" if identifier.channel == CodeChannel.EMAIL else "number"
    contact_id = (
        model.objects.filter(
            **{field: identifier.value},
            contact__isnull=False,
            contact__merged_into__isnull=True,
            contact__deleted_at__isnull=True,
        )
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
        .first()
    )
    return Contact.objects.filter(pk=contact_id).first() if contact_id else None


def _check_rate(identifier: Identifier, ip: str | None) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = LoginCode.objects.filter(created_at__gte=since)
    if recent.filter(identifier=identifier.value).count() >= (
        settings.PORTAL_CODE_RATE_PER_IDENTIFIER
    ):
        raise RateLimited
    if ip and recent.filter(ip_address=ip).count() >= settings.PORTAL_CODE_RATE_PER_IP:
        raise RateLimited


def _send(login_code: LoginCode, code: str) -> None:
    minutes = settings.PORTAL_CODE_TTL_MINUTES
    with override(settings.LANGUAGE_CODE):
        text = _(
            "Your sign-in code for the customer portal: %(code)s (valid for %(minutes)s minutes)"
        ) % {
            "code": code,
            "minutes": minutes,
        }
        if login_code.channel == CodeChannel.SMS:
            send_sms(login_code.identifier, text)
            return
        send_mail(
            subject=_("Your sign-in code: %(code)s") % {"code": code},
            message=text + "\n\n" + _("If you did not ask for this code, ignore this message."),
            from_email=settings.SERVICE_EMAIL_FROM,
            recipient_list=[login_code.identifier],
            fail_silently=False,
        )


def request_code(raw_identifier: str, *, ip: str | None = None) -> LoginCode:
    """Make a code for the address and send it when a customer has that address. Raises
    ValidationError for a malformed address and RateLimited; otherwise the same for everyone."""
    identifier = parse_identifier(raw_identifier)
    _check_rate(identifier, ip)
    contact = find_contact(identifier)
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    now = timezone.now()
    with transaction.atomic():
        # A new code replaces any earlier one still waiting for this address.
        LoginCode.objects.filter(identifier=identifier.value, used_at__isnull=True).update(
            used_at=now
        )
        login_code = LoginCode.objects.create(
            identifier=identifier.value,
            channel=identifier.channel,
            contact=contact,
            code_hash=_code_hash(identifier.value, now.isoformat(), code),
            ip_address=ip,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.PORTAL_CODE_TTL_MINUTES),
        )
    if contact is not None:
        try:
            _send(login_code, code)
        except Exception:  # SMTP or SMS provider down: the same answer, the customer retries
            logger.exception("Portal sign-in code for contact %s could not be sent", contact.pk)
    return login_code


def verify_code(login_code_id: int | None, code: str) -> Contact:
    """The contact signing in with `code`, or CodeRejected."""
    wrong = _("The code is wrong or has expired. Check it, or ask for a new code.")
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    code = code.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    if not login_code_id:
        raise CodeRejected(wrong)
    with transaction.atomic():
        login_code = LoginCode.objects.select_for_update().filter(pk=login_code_id).first()
        now = timezone.now()
        if login_code is None or login_code.used_at is not None or login_code.expires_at <= now:
            raise CodeRejected(wrong)
        if login_code.attempts >= settings.PORTAL_CODE_MAX_ATTEMPTS:
            raise CodeRejected(_("Too many wrong codes. Ask for a new code."), exhausted=True)
        given = _code_hash(login_code.identifier, login_code.created_at.isoformat(), code)
        matches = constant_time_compare(login_code.code_hash, given)
        accepted = matches and login_code.contact_id is not None
        # Every try counts, the right one too; a right code is used up at once.
        LoginCode.objects.filter(pk=login_code.pk).update(
            attempts=F("attempts") + 1, used_at=now if accepted else None
        )
    contact = Contact.objects.alive().filter(pk=login_code.contact_id).first() if accepted else None
    if contact is None:
        raise CodeRejected(wrong)
    return contact


# --- Tickets ---------------------------------------------------------------------------------


def open_ticket(contact: Contact, *, subject: str, description: str, attachments=()) -> Ticket:
    company = contact.companies.order_by("-memberships__is_primary", "pk").first()
    return tickets.open_ticket(
        user=None,
        data={
            "subject": subject,
            "description": description,
            "channel": TicketChannel.PORTAL,
            "contact": contact,
            "company": company,
        },
        attachments=attachments,
    )


def reply(ticket: Ticket, contact: Contact, *, body: str, attachments=()) -> TicketMessage:
    return tickets.add_customer_message(
        ticket,
        body=body,
        contact=contact,
        channel=TicketChannel.PORTAL,
        attachments=attachments,
    )
