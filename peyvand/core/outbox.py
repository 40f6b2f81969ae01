"""Outgoing e-mail and SMS that happen exactly once per effect and survive a crash or an outage.

Why: a background job (or a request) that changes state and then sends a message can die
between the two, or the mail server can refuse; a retried job must not send twice, and a refused
message must not be lost. So the message is not sent in the job: the job writes an
`OutboundMessage` row **in the same transaction as its state change**, keyed by the effect
(`queue_email(key, ...)`; a second write of the same key is a no-op), and after commit
`deliver_outbound_job` sends it and marks it sent. A row that fails stays pending with the error
and a back-off (`next_attempt_at`), and is retried by a deferred job and by the `send_outbox`
sweep (run_scheduler, every minute), which also picks up rows whose job never ran (a worker
killed before it started, a backend that cannot defer).

The remaining window: a sender killed after the server accepted the message and before the row
is marked sent sends it again when its claim expires. Exactly-once over SMTP or an SMS gateway
is impossible; the repeat carries the same Message-ID, so mail clients show it once.

Builders: `register_builder(name, fn)` lets an app make the message at send time from
`builder_args` (a ticket reply with its attachments) instead of storing its content."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import sms
from .models import OutboundMessage

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
MAX_ATTEMPTS = 12
CLAIM_SECONDS = 120
# 1, 2, 5, 10, 30 minutes, then every hour until MAX_ATTEMPTS (about 8 hours in all).
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60)

_builders: dict[str, Callable[[dict], EmailMessage | None]] = {}


def register_builder(name: str, fn: Callable[[dict], EmailMessage | None]) -> None:
    """`fn(builder_args) -> EmailMessage`, or None when there is nothing to send any more (the
    record it was for is gone)."""
    _builders[name] = fn


def _queue(key: str, channel: str, **fields) -> OutboundMessage:
    """The row for `key`, created now or by an earlier run of the same job."""
    try:
        with transaction.atomic():
            row = OutboundMessage.objects.create(key=key[:200], channel=channel, **fields)
    except IntegrityError:
        return OutboundMessage.objects.get(key=key[:200])
    pk = row.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return row


def queue_email(
    key: str,
    *,
    to: list[str] | None = None,
    subject: str = "",
    body: str = "",
    html: str = "",
    from_email: str = "",
    headers: dict[str, str] | None = None,
    builder: str = "",
    builder_args: dict | None = None,
    secret: bool = False,
) -> OutboundMessage:
    """Queue an e-mail inside the caller's transaction. A Message-ID is fixed now, so a repeat
    after a crash is recognisably the same message."""
    headers = dict(headers or {})
    if not builder:
        domain = (from_email or settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "peyvand.local"
        headers.setdefault("Message-ID", make_msgid(domain=domain))
    return _queue(
        key,
        OutboundMessage.Channel.EMAIL,
        to=", ".join(to or [])[:500],
        subject=subject[:300],
        body=body,
        html=html,
        from_email=from_email,
        headers=headers,
        builder=builder,
        builder_args=builder_args or {},
        secret=secret,
    )


def queue_sms(key: str, *, to: str, text: str, secret: bool = False) -> OutboundMessage:
    return _queue(key, OutboundMessage.Channel.SMS, to=to, body=text, secret=secret)


def _enqueue(pk: int, at: dt.datetime | None = None) -> None:
    try:
        if at is not None and deliver_outbound_job.get_backend().supports_defer:
            deliver_outbound_job.using(run_after=at).enqueue(pk)
        elif at is None:
            deliver_outbound_job.enqueue(pk)
    except Exception:  # the queue is down: the send_outbox sweep delivers it
        logger.exception("could not enqueue outbound message %s", pk)


def _email_of(row: OutboundMessage) -> EmailMessage | None:
    if row.builder:
        builder = _builders.get(row.builder)
        if builder is None:
            raise LookupError(f"no outbox builder {row.builder!r}")
        return builder(row.builder_args)
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email or None,
        to=[a.strip() for a in row.to.split(",") if a.strip()],
        headers=row.headers,
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def deliver(pk: int, *, now: dt.datetime | None = None) -> str:
    """Send one pending row if it is due and nobody else holds it: "sent", "retry", "failed"
    (gave up), or "skipped" (already sent, not due, held by another sender)."""
    now = now or timezone.now()
    claimed = OutboundMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=pk,
        status=Status.PENDING,
        next_attempt_at__lte=now,
    ).update(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return "skipped"
    row = OutboundMessage.objects.get(pk=pk)
    try:
        if row.channel == OutboundMessage.Channel.SMS:
            sms.send_sms(row.to, row.body)
        else:
            message = _email_of(row)
            if message is None:  # the record it was for is gone: nothing to send any more
                OutboundMessage.objects.filter(pk=pk).update(
                    status=Status.SENT, last_error="nothing to send", claimed_until=None
                )
                return "skipped"
            message.send(fail_silently=False)
    except Exception as exc:  # SMTP refused, gateway down, full disk for an attachment...
        attempts = row.attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        retry_at = now + backoff(attempts)
        OutboundMessage.objects.filter(pk=pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            status=Status.FAILED if gave_up else Status.PENDING,
            next_attempt_at=retry_at,
            claimed_until=None,
        )
        logger.warning("outbound %s failed (attempt %s): %s", row.key, attempts, exc)
        if not gave_up:
            _enqueue(pk, retry_at)
        return "failed" if gave_up else "retry"
    after_send(row)
    scrub = {"body": "", "html": ""} if row.secret else {}
    OutboundMessage.objects.filter(pk=pk).update(
        status=Status.SENT, sent_at=now, attempts=row.attempts + 1, claimed_until=None, **scrub
    )
    return "sent"


def after_send(row: OutboundMessage) -> None:
    """Between the gateway's acceptance and the sent mark: where a crash makes a repeat (tests
    replace it to simulate that crash)."""


def deliver_due(*, now: dt.datetime | None = None, batch: int = 100) -> dict[str, int]:
    """The sweep: every pending row that is due and not held, oldest first."""
    now = now or timezone.now()
    ids = list(
        OutboundMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=Status.PENDING,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        result = deliver(pk, now=now)
        counts[result] = counts.get(result, 0) + 1
    return counts


def retry_now(row: OutboundMessage) -> None:
    """A person asked to try again (or to revive a row that gave up)."""
    OutboundMessage.objects.filter(pk=row.pk, status__in=(Status.PENDING, Status.FAILED)).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None
    )
    pk = row.pk
    transaction.on_commit(lambda: _enqueue(pk))


@task()
def deliver_outbound_job(outbound_id: int) -> str:
    return deliver(outbound_id)
