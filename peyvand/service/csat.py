"""Customer satisfaction (CSAT): when a ticket is resolved the customer gets a link by e-mail
and/or SMS to a public page where one click rates the service 1–5 (a comment is optional). The
answer is stored on the survey (the ticket's `csat_surveys`) and on the customer's timeline.

The link's token is random (256 bits) and only its hash is stored; the job that creates the
survey is also the one that sends it, so the raw token never reaches the database or the task
queue. A token answers once; it expires after SERVICE_CSAT_TTL_DAYS."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from peyvand.core import outbox

from .historic import is_historic
from .models import CsatChannel, CsatSurvey, Ticket, TicketStatus, hash_csat_token

logger = logging.getLogger(__name__)

COMMENT_MAX = 2000


class SurveyUnavailable(Exception):
    """Unknown, used or expired token; `reason` is "missing", "answered" or "expired"."""

    def __init__(self, reason: str, survey: CsatSurvey | None = None):
        super().__init__(reason)
        self.reason = reason
        self.survey = survey


def ttl() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "SERVICE_CSAT_TTL_DAYS", 30))


def channels() -> list[str]:
    configured = getattr(settings, "SERVICE_CSAT_CHANNELS", "email,sms")
    return [c.strip() for c in configured.split(",") if c.strip() in CsatChannel.values]


def survey_url(raw_token: str) -> str:
    base = (getattr(settings, "PORTAL_SITE_URL", "") or "").rstrip("/")
    return f"{base}{reverse('service:csat', args=[raw_token])}"


def _addresses(ticket: Ticket) -> tuple[str, str]:
    contact = ticket.contact
    email = (contact.primary_email if contact else "") or ticket.requester_email
    phone = (contact.primary_phone if contact else "") or ticket.requester_phone
    return email, phone


def _already_surveyed(ticket: Ticket) -> bool:
    """One survey per resolution: a reopened and re-resolved ticket is asked again."""
    since = ticket.resolved_at or ticket.closed_at or timezone.now()
    return ticket.csat_surveys.filter(sent_at__gte=since).exists()


@task()
def send_survey_job(ticket_id: int) -> str:
    ticket = Ticket.objects.select_related("contact", "assignee").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return "skipped"
    return send_survey(ticket)


def send_survey(ticket: Ticket, *, now: dt.datetime | None = None) -> str:
    """Create the survey and send its link by every configured channel the customer has an
    address for (through the outbox); what happened ("queued:email,sms", "no-address",
    "already-sent")."""
    now = now or timezone.now()
    email, phone = _addresses(ticket)
    wanted = channels()
    via = [
        c for c in wanted if (c == CsatChannel.EMAIL and email) or (c == CsatChannel.SMS and phone)
    ]
    if not via:
        return "no-address"
    with transaction.atomic():
        Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
        if _already_surveyed(ticket):
            return "already-sent"
        raw = CsatSurvey.new_token()
        survey = CsatSurvey.objects.create(
            ticket=ticket,
            token_hash=hash_csat_token(raw),
            sent_via=via,
            sent_at=now,
            expires_at=now + ttl(),
        )
        # The messages go into the outbox in the survey's transaction: the raw token exists
        # only here, so a job killed after the commit must not lose them, and a job that runs
        # again finds the survey and sends nothing twice. A refused send is retried.
        _queue_messages(ticket, survey, survey_url(raw), via, email, phone)
    return "queued:" + ",".join(via)


def _queue_messages(
    ticket: Ticket, survey: CsatSurvey, url: str, via: list[str], email: str, phone: str
) -> None:
    # The customer's language is not known: the site's default.
    with override(settings.LANGUAGE_CODE):
        context = {
            "ticket": ticket,
            "url": url,
            "ratings": [(n, f"{url}?rating={n}") for n in range(5, 0, -1)],
        }
        if CsatChannel.EMAIL in via:
            outbox.queue_email(
                f"csat:{survey.pk}:email",
                to=[email],
                subject=_("How did we do? [%(ref)s]") % {"ref": ticket.reference},
                body=render_to_string("service/csat/email.txt", context),
                html=render_to_string("service/csat/email.html", context),
                from_email=getattr(settings, "SERVICE_EMAIL_FROM", None)
                or settings.DEFAULT_FROM_EMAIL,
                secret=True,
            )
        if CsatChannel.SMS in via:
            text = _("%(ref)s: how satisfied are you with our support? Rate us: %(url)s") % {
                "ref": ticket.reference,
                "url": url,
            }
            outbox.queue_sms(f"csat:{survey.pk}:sms", to=phone, text=text, secret=True)


def queue_survey(ticket: Ticket) -> None:
    ticket_id = ticket.pk
    transaction.on_commit(lambda: send_survey_job.enqueue(ticket_id))


def survey_for_token(raw_token: str, *, for_update: bool = False) -> CsatSurvey:
    """The open survey of a token; raises SurveyUnavailable otherwise."""
    if not raw_token or len(raw_token) > 100:
        raise SurveyUnavailable("missing")
    qs = CsatSurvey.objects.select_related("ticket")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    survey = qs.filter(token_hash=hash_csat_token(raw_token)).first()
    if survey is None:
        raise SurveyUnavailable("missing")
    if survey.answered_at is not None:
        raise SurveyUnavailable("answered", survey)
    if survey.expires_at <= timezone.now():
        raise SurveyUnavailable("expired", survey)
    return survey


def clean_answer(rating, comment) -> tuple[int, str]:
    errors: dict[str, list[str]] = {}
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        errors["rating"] = [_("Choose a rating from 1 to 5.")]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX}]
    if errors:
        raise ValidationError(errors)
    return value, comment


def answer_survey(raw_token: str, *, rating, comment: str = "") -> CsatSurvey:
    """Store the customer's answer (once) on the survey and the customer's timeline."""
    from peyvand.timeline.services import record_entry

    value, comment = clean_answer(rating, comment)
    with transaction.atomic():
        survey = survey_for_token(raw_token, for_update=True)
        survey.rating = value
        survey.comment = comment
        survey.answered_at = timezone.now()
        survey.save(update_fields=["rating", "comment", "answered_at"])
        ticket = survey.ticket
        if ticket.contact_id or ticket.company_id:
            record_entry(
                kind="csat_answered",
                contact=ticket.contact,
                company=ticket.company,
                occurred_at=survey.answered_at,
                subject=_("Satisfaction %(rating)s/5 for %(ticket)s")
                % {"rating": value, "ticket": ticket.reference},
                body=comment,
                source=ticket,
                data={"rating": value, "ticket": ticket.pk, "survey": survey.pk},
            )
    return survey


def latest_answer(ticket: Ticket) -> CsatSurvey | None:
    return ticket.csat_surveys.filter(~Q(answered_at=None)).order_by("-answered_at", "-id").first()


def _on_status_changed(sender, ticket: Ticket, old: str, new: str, **kwargs) -> None:
    if ticket.merged_into_id or is_historic():  # no survey for an imported past ticket
        return
    if new == TicketStatus.RESOLVED or (
        new == TicketStatus.CLOSED and old != TicketStatus.RESOLVED
    ):
        queue_survey(ticket)


def connect() -> None:
    from . import signals

    signals.ticket_status_changed.connect(
        _on_status_changed, sender=Ticket, dispatch_uid="csat-status"
    )
