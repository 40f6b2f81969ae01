"""The e-mail channel of the service desk.

In: one RFC 822 message (piped to `manage.py receive_ticket_email`, or fetched from IMAP by
`manage.py fetch_ticket_email` / the `fetch_ticket_email_job` background job) opens a ticket,
or, when it answers one, is added to that ticket's conversation. A message answers a ticket
when its In-Reply-To/References name a Message-ID of the ticket's thread, or when its subject
carries the reference "[T-000123]" and the sender is one of the ticket's people. Attachments are
kept. Auto-replies, bounces, our own messages coming back and floods from one sender (a mail
loop between two robots) are ignored, and every received message is logged (InboundMail).

Out: a public reply by an agent is e-mailed to the customer (after the transaction commits,
from a background job) with the reference in the subject and In-Reply-To/References set, so
the customer's answer threads back to the same ticket."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from peyvand.contacts.models import Contact, Email
from peyvand.core import outbox
from peyvand.core.mail import (
    MAX_MESSAGE_BYTES,
    ImapSettings,
    MailAttachment,
    ParsedEmail,
    fetch_or_raise,
    parse_message,
    strip_quoted_reply,
)
from peyvand.core.models import OutboundMessage

from . import attachments as ticket_files
from . import services, signals
from .historic import is_historic
from .models import (
    InboundMail,
    InboundMailStatus,
    MailDirection,
    MessageKind,
    Ticket,
    TicketChannel,
    TicketMailMessage,
    TicketMessage,
    TicketStatus,
)

logger = logging.getLogger(__name__)

IMAP_ENV_PREFIX = "SERVICE_IMAP"
_REFERENCE = re.compile(r"\[T-(\d{1,12})\]", re.IGNORECASE)
_SUBJECT_MAX = 200


@dataclass
class MailResult:
    status: str  # an InboundMailStatus value
    ticket: Ticket | None = None
    message: TicketMessage | None = None
    reason: str = ""


def support_address() -> str:
    """The bare address customers write to and replies come from."""
    return parseaddr(settings.SERVICE_EMAIL_FROM)[1].lower()


def _own_addresses() -> set[str]:
    values = (settings.SERVICE_EMAIL_FROM, settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL)
    return {parseaddr(v)[1].lower() for v in values if v} - {""}


# --- In --------------------------------------------------------------------------------------


def _ignore_reason(parsed: ParsedEmail) -> str:
    if not parsed.from_address or "@" not in parsed.from_address:
        return "no sender address"
    own = _own_addresses()
    if parsed.from_address in own:
        return "sent from our own address (mail loop)"
    loop_marks = " ".join(parsed.headers.get(h, "") for h in ("x-loop", "x-peyvand-loop")).lower()
    if any(address in loop_marks for address in own):
        return "carries our X-Loop header (mail loop)"
    if parsed.auto_reply:
        return "auto-reply, bounce or bulk mail"
    if (
        parsed.message_id
        and TicketMailMessage.objects.filter(
            message_id=parsed.message_id, direction=MailDirection.OUTBOUND
        ).exists()
    ):
        return "our own message came back (mail loop)"
    since = timezone.now() - timedelta(hours=1)
    recent = InboundMail.objects.filter(
        from_address=parsed.from_address,
        received_at__gte=since,
        status__in=(InboundMailStatus.OPENED, InboundMailStatus.ADDED),
    ).count()
    if recent >= settings.SERVICE_EMAIL_RATE_PER_SENDER:
        return "too many messages from this sender within an hour (mail loop)"
    return ""


def _live(ticket: Ticket) -> Ticket:
    """Where the conversation of `ticket` goes on: the ticket it was merged into, or the active
    follow-up an earlier answer to this closed ticket opened."""
    seen = {ticket.pk}
    while ticket.merged_into_id and ticket.merged_into_id not in seen:
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
        seen.add(ticket.pk)
    if ticket.status == TicketStatus.CLOSED and ticket.closed_at:
        follow_up = (
            ticket.related.active()
            .filter(created_at__gte=ticket.closed_at, merged_into__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if follow_up is not None:
            return follow_up
    return ticket


def _ticket_people(ticket: Ticket) -> set[str]:
    addresses = {ticket.requester_email.lower()} if ticket.requester_email else set()
    if ticket.contact_id:
        addresses.update(
            a.lower()
            for a in Email.objects.filter(contact_id=ticket.contact_id).values_list(
                "address", flat=True
            )
        )
    addresses.update(
        TicketMailMessage.objects.filter(
            ticket=ticket, direction=MailDirection.INBOUND
        ).values_list("from_address", flat=True)
    )
    return addresses


def find_thread(parsed: ParsedEmail) -> Ticket | None:
    """The ticket this message answers, or None for a new conversation."""
    if parsed.thread_ids:
        found = {
            row.message_id: row.ticket
            for row in TicketMailMessage.objects.filter(
                message_id__in=parsed.thread_ids
            ).select_related("ticket")
        }
        if not found:  # messages threaded by the tickets app itself (e.g. moved on merge)
            found = {
                row.message_id: row.ticket
                for row in TicketMessage.objects.filter(
                    message_id__in=parsed.thread_ids
                ).select_related("ticket")
            }
            found.update(
                {
                    ticket.external_ref: ticket
                    for ticket in Ticket.objects.filter(external_ref__in=parsed.thread_ids)
                }
            )
        for message_id in parsed.thread_ids:  # the nearest one wins
            if message_id in found:
                return _live(found[message_id])
    match = _REFERENCE.search(parsed.subject)
    if match:
        ticket = Ticket.objects.filter(number=int(match.group(1))).first()
        # A reference is easy to guess: only the ticket's own people may add to it this way.
        if ticket is not None and parsed.from_address in _ticket_people(ticket):
            return _live(ticket)
    return None


def find_contact(address: str) -> Contact | None:
    """The alive contact with this e-mail address; None when nobody or several people have it."""
    ids = list(
        Email.objects.filter(
            address=address,
            contact__isnull=False,
            contact__merged_into__isnull=True,
            contact__deleted_at__isnull=True,
        )
        .values_list("contact_id", flat=True)
        .distinct()[:2]
    )
    if len(ids) != 1:
        ids = list(
            Contact.objects.alive().filter(primary_email=address).values_list("pk", flat=True)[:2]
        )
    return Contact.objects.get(pk=ids[0]) if len(ids) == 1 else None


def _files(attachments: list[MailAttachment]) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The attachments the desk accepts (by content, as for uploads), and the names of the
    others, which the message then mentions instead of failing as a whole."""
    accepted: list[SimpleUploadedFile] = []
    refused: list[str] = []
    for attachment in attachments:
        upload = SimpleUploadedFile(
            attachment.filename, attachment.content, content_type=attachment.content_type
        )
        if len(accepted) >= ticket_files.MAX_FILES:
            refused.append(attachment.filename)
            continue
        try:
            ticket_files.validate_attachment(upload)
        except ValidationError:
            refused.append(attachment.filename)
            continue
        accepted.append(upload)
    return accepted, refused


def _text(body: str, refused: list[str], fallback: str) -> str:
    text = body or fallback or "…"
    if refused:
        text += "\n\n" + _("Attachments not accepted: %(names)s") % {"names": ", ".join(refused)}
    return text[: services.BODY_MAX]


def _subject(parsed: ParsedEmail) -> str:
    return (
        parsed.subject[:_SUBJECT_MAX] or (parsed.body.split("\n", 1)[0][:80]) or _("(no subject)")
    )


def _log(parsed: ParsedEmail | None, status: str, *, mailbox: str, reason: str = "", ticket=None):
    InboundMail.objects.create(
        message_id=(parsed.message_id if parsed else "")[:255],
        from_address=(parsed.from_address if parsed else "")[:254],
        subject=(parsed.subject if parsed else "")[:300],
        mailbox=mailbox[:300],
        status=status,
        reason=reason[:200],
        ticket=ticket,
    )


def _deliver(parsed: ParsedEmail, mailbox: str) -> MailResult:
    if (
        parsed.message_id
        and TicketMailMessage.objects.filter(
            message_id=parsed.message_id, direction=MailDirection.INBOUND
        ).exists()
    ):
        return MailResult(
            InboundMailStatus.DUPLICATE, reason="this Message-ID was already received"
        )
    contact = find_contact(parsed.from_address)
    ticket = find_thread(parsed)
    files, refused = _files(parsed.attachments)
    if ticket is not None:
        body = _text(strip_quoted_reply(parsed.body), refused, parsed.subject)
        if contact is None and parsed.from_address not in _ticket_people(ticket):
            # Someone copied on the thread, not the ticket's customer: say who wrote.
            sender = f"{parsed.from_name} <{parsed.from_address}>".strip()
            body = f"{sender}:\n{body}"[: services.BODY_MAX]
        message = services.add_customer_message(
            ticket,
            body=body,
            contact=contact,
            channel=TicketChannel.EMAIL,
            attachments=files,
            message_id=parsed.message_id,
        )
        # On a closed ticket the message opens a follow-up ticket: the thread goes on there.
        status = (
            InboundMailStatus.ADDED if message.ticket_id == ticket.pk else InboundMailStatus.OPENED
        )
        ticket = message.ticket
    else:
        ticket = services.open_ticket(
            user=None,
            data={
                "subject": _subject(parsed),
                "description": _text(parsed.body, refused, parsed.subject),
                "channel": TicketChannel.EMAIL,
                "contact": contact,
                "requester_name": parsed.from_name[:200],
                "requester_email": parsed.from_address,
                "external_ref": parsed.message_id,
            },
            attachments=files,
        )
        message = None
        status = InboundMailStatus.OPENED
    if parsed.message_id:
        TicketMailMessage.objects.create(
            ticket=ticket,
            ticket_message=message,
            direction=MailDirection.INBOUND,
            message_id=parsed.message_id,
            from_address=parsed.from_address,
            to_address=parsed.to,
            subject=parsed.subject,
        )
    return MailResult(status, ticket=ticket, message=message)


def receive_ticket_email(raw: bytes, *, mailbox: str = "") -> MailResult:
    """Turn one received e-mail into a ticket or a message on one; never raises for bad mail
    (only for a database failure, so a mail server can retry)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        _log(None, InboundMailStatus.INVALID, mailbox=mailbox, reason="message too large")
        return MailResult(InboundMailStatus.INVALID, reason="message too large")
    parsed = parse_message(raw)
    reason = _ignore_reason(parsed)
    if reason:
        _log(parsed, InboundMailStatus.IGNORED, mailbox=mailbox, reason=reason)
        return MailResult(InboundMailStatus.IGNORED, reason=reason)
    try:
        with transaction.atomic():
            result = _deliver(parsed, mailbox)
    except IntegrityError:  # the same message delivered twice at the same moment
        result = MailResult(InboundMailStatus.DUPLICATE, reason="received twice at once")
    except ValidationError as exc:
        result = MailResult(InboundMailStatus.INVALID, reason="; ".join(exc.messages))
    _log(parsed, result.status, mailbox=mailbox, reason=result.reason, ticket=result.ticket)
    return result


def fetch_ticket_email(config: ImapSettings, *, limit: int = 100) -> dict[str, int]:
    """Process the unread messages of the service IMAP folder (peyvand.core.mail)."""
    return fetch_or_raise(
        config, lambda raw, mailbox: receive_ticket_email(raw, mailbox=mailbox).status, limit=limit
    )


@task()
def fetch_ticket_email_job(reschedule: bool = False) -> dict[str, int]:
    """Fetch the service mailbox (SERVICE_IMAP_* settings); with `reschedule`, run again after
    SERVICE_IMAP_POLL_SECONDS, so one `manage.py fetch_ticket_email --schedule` keeps the
    worker polling."""
    config = ImapSettings.from_env(IMAP_ENV_PREFIX)
    counts: dict[str, int] = {}
    try:
        if config is not None:
            counts = fetch_ticket_email(config)
    finally:
        interval = settings.SERVICE_IMAP_POLL_SECONDS
        # A backend that cannot defer (the immediate one) would loop at once: fetch only once.
        can_defer = fetch_ticket_email_job.get_backend().supports_defer
        if reschedule and config is not None and interval > 0 and can_defer:
            run_after = timezone.now() + timedelta(seconds=interval)
            fetch_ticket_email_job.using(run_after=run_after).enqueue(reschedule=True)
    return counts


# --- Out -------------------------------------------------------------------------------------


def customer_address(ticket: Ticket) -> str:
    if ticket.contact_id and ticket.contact.primary_email:
        return ticket.contact.primary_email
    if ticket.contact_id:
        first = ticket.contact.emails.order_by("-is_primary", "id").first()
        if first:
            return first.address
    return ticket.requester_email


def _thread_ids(ticket: Ticket) -> list[str]:
    ids = list(
        TicketMailMessage.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    if ticket.external_ref and ticket.external_ref not in ids:
        ids.insert(0, ticket.external_ref)
    return ids


def portal_url(ticket: Ticket) -> str:
    """The ticket's page in the customer portal, when the site's address is configured."""
    base = settings.PORTAL_SITE_URL.rstrip("/")
    # By name: the portal app sits above the service desk and is not imported here.
    return f"{base}{reverse('portal:ticket', args=[ticket.pk])}" if base else ""


def reply_subject(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def queue_reply_email(message: TicketMessage) -> TicketMailMessage | None:
    """Give a public reply its Message-ID now (inside the writing transaction) and send it once
    the transaction commits. None when the customer has no e-mail address."""
    ticket = message.ticket
    to = customer_address(ticket)
    if not to:
        return None
    domain = support_address().rpartition("@")[2] or "peyvand.local"
    message_id = make_msgid(idstring=f"t{ticket.pk}.m{message.pk}", domain=domain).strip("<>")
    row = TicketMailMessage.objects.create(
        ticket=ticket,
        ticket_message=message,
        direction=MailDirection.OUTBOUND,
        message_id=message_id,
        from_address=support_address(),
        to_address=to,
        subject=reply_subject(ticket),
    )
    if not message.message_id:
        TicketMessage.objects.filter(pk=message.pk).update(message_id=message_id)
    # Through the outbox, in the reply's transaction: a refused or failed send is retried with
    # back-off (the ticket page shows "not sent yet"), and a retried job never sends twice.
    outbox.queue_email(
        reply_outbox_key(row.pk),
        to=[row.to_address],
        subject=row.subject,
        builder=REPLY_BUILDER,
        builder_args={"mail_message_id": row.pk},
    )
    return row


REPLY_BUILDER = "service.ticket_reply"


def reply_outbox_key(mail_message_id: int) -> str:
    return f"{REPLY_BUILDER}:{mail_message_id}"


def _build_reply_from_outbox(args: dict) -> EmailMultiAlternatives | None:
    row = (
        TicketMailMessage.objects.select_related("ticket__contact", "ticket_message")
        .filter(pk=args.get("mail_message_id"), direction=MailDirection.OUTBOUND)
        .first()
    )
    return build_reply_email(row) if row is not None else None


outbox.register_builder(REPLY_BUILDER, _build_reply_from_outbox)


def build_reply_email(row: TicketMailMessage) -> EmailMultiAlternatives:
    ticket = row.ticket
    message = row.ticket_message
    earlier = [m for m in _thread_ids(ticket) if m != row.message_id]  # the thread so far
    inbound = list(
        TicketMailMessage.objects.filter(ticket=ticket, direction=MailDirection.INBOUND)
        .exclude(pk=row.pk)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:1]
    )
    in_reply_to = inbound[0] if inbound else (earlier[-1] if earlier else "")
    with override(settings.LANGUAGE_CODE):
        context = {"ticket": ticket, "message": message, "portal_url": portal_url(ticket)}
        text = render_to_string("service/email/reply.txt", context)
        html = render_to_string("service/email/reply.html", context)
    headers = {
        "Message-ID": f"<{row.message_id}>",
        "X-Loop": support_address(),
        "X-Peyvand-Ticket": ticket.reference,
    }
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    if earlier:
        # The opening message and the most recent ones (long threads are cut in the middle).
        chain = earlier if len(earlier) <= 20 else [earlier[0], *earlier[-19:]]
        headers["References"] = " ".join(f"<{m}>" for m in chain)
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=settings.SERVICE_EMAIL_FROM,
        to=[formataddr((str(ticket.contact) if ticket.contact_id else "", row.to_address))],
        reply_to=[settings.SERVICE_EMAIL_FROM],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    if message is not None:
        for attachment in message.attachments.all():
            if attachment.size <= ticket_files.max_bytes():
                with attachment.file.open("rb") as handle:
                    email.attach(attachment.name, handle.read(), attachment.content_type)
    return email


@task()
def send_reply_email_job(mail_message_id: int) -> str:
    """Jobs queued before the outbox existed; new replies are sent by the outbox's job."""
    queued = OutboundMessage.objects.filter(key=reply_outbox_key(mail_message_id)).first()
    if queued is not None:
        return outbox.deliver(queued.pk)
    row = (
        TicketMailMessage.objects.select_related("ticket__contact", "ticket_message")
        .filter(pk=mail_message_id, direction=MailDirection.OUTBOUND)
        .first()
    )
    if row is None:
        return "gone"
    build_reply_email(row).send(fail_silently=False)
    return row.message_id


@receiver(signals.message_added, dispatch_uid="service-mail-reply")
def _email_public_reply(sender, ticket: Ticket, message: TicketMessage, **kwargs) -> None:
    if message.kind == MessageKind.REPLY and not is_historic():  # no e-mail for imported replies
        queue_reply_email(message)
