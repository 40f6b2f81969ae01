"""Every write to leads goes through here: capture (all channels), assignment, status changes,
interactions, scoring and conversion. Pages, the API, the public form endpoint, the mail
gateway, event imports and background jobs call these functions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from peyvand.accounts.models import Team, User
from peyvand.accounts.services import notify
from peyvand.contacts import services as contacts
from peyvand.contacts.models import Company, Contact, LifecycleStage
from peyvand.core.persian import normalize_text

from . import history, routing, scoring, signals
from .inputs import LeadInput
from .models import (
    AssignmentRule,
    Channel,
    DisqualifyReason,
    IdempotencyKey,
    Lead,
    LeadAssignment,
    LeadForm,
    LeadStatus,
    LostReason,
)

SOURCE_MAX_KEYS = 20
SOURCE_MAX_VALUE = 500
# Keys of `source` that name the source for people, in order of preference.
_SOURCE_NAME_KEYS = ("form", "event", "referrer", "campaign", "utm_campaign", "subject")


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


@dataclass
class CaptureResult:
    lead: Lead | None
    created: bool
    # "lead" or "contact" when the submission was attached to an existing record as an inquiry.
    attached_to: str | None = None
    flagged_near_duplicate: bool = False
    contact: Contact | None = None
    # True when an idempotency key made this a replay of an earlier capture.
    replayed: bool = False


def default_first_response_minutes() -> int:
    return int(getattr(settings, "LEADS_FIRST_RESPONSE_MINUTES", 60))


def _actor(user: User | None) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


def clean_source(source: dict[str, Any] | None) -> dict[str, Any]:
    """Source details as small JSON: string keys, short text or number values, a bounded count."""
    result: dict[str, Any] = {}
    for key, value in (source or {}).items():
        if len(result) >= SOURCE_MAX_KEYS:
            break
        if not isinstance(key, str) or not key or len(key) > 40:
            continue
        if isinstance(value, bool | int | float):
            result[key] = value
        elif isinstance(value, str):
            text = normalize_text(value)[:SOURCE_MAX_VALUE]
            if text:
                result[key] = text
    return result


def source_name_of(source: dict[str, Any], form: LeadForm | None) -> str:
    if form is not None:
        return form.name[:200]
    for key in _SOURCE_NAME_KEYS:
        if source.get(key):
            return str(source[key])[:200]
    return ""


def _request_hash(channel: str, data: LeadInput, source: dict, form: LeadForm | None) -> str:
    payload = {
        "channel": channel,
        "data": data.as_dict(),
        "source": source,
        "form": getattr(form, "pk", None),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _idempotency_scope(channel: str, user: User | None, form: LeadForm | None) -> str:
    if _actor(user) is not None:
        return f"user:{user.pk}"
    if form is not None:
        return f"form:{form.pk}"
    return f"channel:{channel}"


def _replay(row: IdempotencyKey) -> CaptureResult:
    return CaptureResult(
        lead=row.lead,
        created=row.created,
        attached_to=row.attached_to or None,
        flagged_near_duplicate=row.flagged_near_duplicate,
        contact=row.contact,
        replayed=True,
    )


def _find_replay(scope: str, key: str, request_hash: str) -> CaptureResult | None:
    row = (
        IdempotencyKey.objects.select_related("lead", "contact")
        .filter(scope=scope, key=key)
        .first()
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request.")
        )
    return _replay(row)


def capture_lead(
    *,
    channel: str,
    data: LeadInput,
    source: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    user: User | None = None,
    form: LeadForm | None = None,
    idempotency_scope: str | None = None,
) -> CaptureResult:
    """The one way a lead enters the CRM, from every channel.

    A submission whose phone or e-mail matches an open lead or an existing contact becomes an
    "inquiry" on that record's timeline (its owner is notified) instead of a duplicate.
    Otherwise a lead is created, scored, routed by the assignment rules and put on the
    timeline; a lead with the same name and city as another open lead or contact is flagged
    for review. With `idempotency_key`, a retry of the same request returns the first result
    and a different request with the same key raises IdempotencyConflict. Keys are scoped to
    the caller (the user, else the form, else the channel) unless `idempotency_scope` is given."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose one of the listed options.")]})
    try:
        data = data.normalized()
    except ValueError as exc:  # an invalid phone in an input built by hand
        raise ValidationError({"phone": [str(exc)]}) from exc
    if not data.phone and not data.email:
        raise ValidationError(
            _("Give a phone number or an email address, so we can get back to you.")
        )
    source = clean_source(source)
    key = (idempotency_key or "").strip()[:200]
    scope = idempotency_scope or _idempotency_scope(channel, user, form)
    request_hash = _request_hash(channel, data, source, form) if key else ""
    if key:
        replay = _find_replay(scope, key, request_hash)
        if replay is not None:
            return replay
    try:
        with contacts.acting_as(_actor(user)), transaction.atomic():
            result = _capture(channel=channel, data=data, source=source, user=user, form=form)
            if key:
                IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    request_hash=request_hash,
                    lead=result.lead,
                    contact=result.contact,
                    created=result.created,
                    attached_to=result.attached_to or "",
                    flagged_near_duplicate=result.flagged_near_duplicate,
                )
    except IntegrityError:
        # A concurrent retry with the same key won the race; answer as it did.
        replay = _find_replay(scope, key, request_hash) if key else None
        if replay is None:
            raise
        return replay
    return result


def _open_lead_matching(data: LeadInput) -> Lead | None:
    condition = Q()
    if data.phone:
        condition |= Q(phone=data.phone)
    if data.email:
        condition |= Q(email=data.email)
    return Lead.objects.open().filter(condition).order_by("-created_at", "-id").first()


def _contact_matching(data: LeadInput) -> Contact | None:
    matches = contacts.find_duplicates(
        phones=[data.phone] if data.phone else [],
        emails=[data.email] if data.email else [],
    )
    return matches[0].record if matches else None


def _capture(
    *, channel: str, data: LeadInput, source: dict, user: User | None, form: LeadForm | None
) -> CaptureResult:
    lead = _open_lead_matching(data)
    if lead is not None:
        attach_inquiry(lead, data=data, channel=channel, source=source, form=form, user=user)
        return CaptureResult(lead=lead, created=False, attached_to="lead", contact=lead.contact)
    contact = _contact_matching(data)
    if contact is not None:
        _inquiry_on_contact(
            contact, data=data, channel=channel, source=source, form=form, user=user
        )
        return CaptureResult(lead=None, created=False, attached_to="contact", contact=contact)
    lead = _create_lead(channel=channel, data=data, source=source, user=user, form=form)
    return CaptureResult(lead=lead, created=True, flagged_near_duplicate=lead.needs_review)


def _engagement(lead: Lead, channel: str, form: LeadForm | None, *, first: bool) -> None:
    if form is not None or channel == Channel.WEBSITE:
        lead.form_submits += 1
    if channel == Channel.EVENT:
        lead.events_attended += 1
    # The e-mail that created the lead is not a reply; every later one is.
    if channel == Channel.EMAIL and not first:
        lead.email_replies += 1


def _flag_near_duplicate(lead: Lead) -> None:
    """Same name and city as an open lead or a contact, but no shared phone or e-mail."""
    if not (lead.last_name and lead.city):
        return
    similar = (
        Lead.objects.open()
        .filter(first_name=lead.first_name, last_name=lead.last_name, city=lead.city)
        .exclude(pk=lead.pk)
        .order_by("-id")
        .first()
    )
    if similar is not None:
        lead.needs_review, lead.similar_lead = True, similar
        return
    contact = (
        Contact.objects.alive()
        .filter(first_name=lead.first_name, last_name=lead.last_name, city=lead.city)
        .order_by("-id")
        .first()
    )
    if contact is not None:
        lead.needs_review, lead.similar_contact = True, contact


def _create_lead(
    *, channel: str, data: LeadInput, source: dict, user: User | None, form: LeadForm | None
) -> Lead:
    now = timezone.now()
    lead = Lead(
        first_name=data.first_name,
        last_name=data.last_name,
        company_name=data.company,
        job_title=data.job_title,
        company_size=data.company_size,
        phone=data.phone,
        email=data.email,
        province=data.province,
        city=data.city,
        language=data.language or (form.language if form else ""),
        product=data.product or (form.product if form else ""),
        message=data.message,
        channel=channel,
        source_name=source_name_of(source, form),
        source=source,
        form=form,
        consent=data.consent,
        consent_text=(form.consent_text if form and data.consent else ""),
        created_by=_actor(user),
        created_at=now,
        last_activity_at=now,
    )
    _engagement(lead, channel, form, first=True)
    _flag_near_duplicate(lead)
    scoring.apply_score(lead, now=now)
    lead.save()
    history.record(
        lead,
        "lead_created",
        user=user,
        subject=lead.source_name,
        body=data.message,
        data={"channel": channel, "source": source, "product": lead.product},
    )
    decision = routing.route(lead)
    _apply_assignment(
        lead,
        user=decision.user,
        team=decision.team,
        rule=decision.rule,
        strategy=decision.strategy,
        by=None,
    )
    reindex(lead)
    return lead


def attach_inquiry(
    lead: Lead,
    *,
    data: LeadInput,
    channel: str,
    source: dict,
    form: LeadForm | None,
    user: User | None,
) -> Lead:
    """A new submission from a person who already is an open lead: fill what the lead was
    missing, count the engagement, rescore, put the inquiry on the timeline, tell the owner."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    for field, value in (
        ("first_name", data.first_name),
        ("last_name", data.last_name),
        ("company_name", data.company),
        ("job_title", data.job_title),
        ("company_size", data.company_size),
        ("phone", data.phone),
        ("email", data.email),
        ("province", data.province),
        ("city", data.city),
        ("product", data.product),
        ("language", data.language),
    ):
        if value not in (None, "") and getattr(lead, field) in (None, ""):
            setattr(lead, field, value)
    if data.consent and not lead.consent:
        lead.consent = True
        lead.consent_text = form.consent_text if form else ""
    lead.inquiries += 1
    _engagement(lead, channel, form, first=False)
    lead.last_activity_at = timezone.now()
    scoring.apply_score(lead)
    lead.save()
    history.record(
        lead,
        "inquiry",
        user=user,
        subject=source_name_of(source, form),
        body=data.message,
        data={"channel": channel, "source": source, "product": data.product},
    )
    reindex(lead)
    recipient = lead.owner or (lead.team.manager if lead.team_id else None)
    _notify(
        recipient,
        lambda: _("New inquiry from %(name)s (an existing lead)") % {"name": lead.display_name},
        url=lead.get_absolute_url(),
    )
    return lead


def _inquiry_on_contact(
    contact: Contact,
    *,
    data: LeadInput,
    channel: str,
    source: dict,
    form: LeadForm | None,
    user: User | None,
) -> None:
    history.record_on_contact(
        contact,
        "inquiry",
        user=user,
        subject=source_name_of(source, form),
        body=data.message,
        data={
            "channel": channel,
            "source": source,
            "product": data.product or (form.product if form else ""),
        },
    )
    _notify(
        contact.owner,
        lambda: _("New inquiry from %(name)s (an existing contact)") % {"name": contact.full_name},
        url=contact.get_absolute_url(),
    )


def _notify(user: User | None, text, *, url: str, dedupe_key: str | None = None) -> None:
    """Notify in the recipient's own language; `text` is a callable evaluated under it."""
    if user is None or not user.is_active:
        return
    with override(user.language or settings.LANGUAGE_CODE):
        notify(user, str(text()), url=url, dedupe_key=dedupe_key)


# --- Assignment ---------------------------------------------------------------------------------


def _apply_assignment(
    lead: Lead,
    *,
    user: User | None,
    team: Team | None,
    rule: AssignmentRule | None,
    strategy: str,
    by: User | None,
    minutes: int | None = None,
) -> Lead:
    now = timezone.now()
    lead.owner, lead.team = user, team
    lead.assigned_at = now if (user or team) else None
    waiting = lead.is_open and lead.first_contacted_at is None
    if waiting and (user or team):
        # A hand-made reassignment keeps the response time the lead's rule promised.
        lead.first_response_minutes = (
            minutes
            or (rule.first_response_minutes if rule else None)
            or lead.first_response_minutes
            or default_first_response_minutes()
        )
        interval = timedelta(minutes=lead.first_response_minutes)
        lead.first_response_due_at = now + interval
        lead.escalation_due_at = lead.first_response_due_at + interval
        lead.sla_reminded_at = lead.sla_escalated_at = None
    elif waiting:
        lead.first_response_minutes = None
        lead.first_response_due_at = lead.escalation_due_at = None
    lead.save(
        update_fields=[
            "owner",
            "team",
            "assigned_at",
            "first_response_minutes",
            "first_response_due_at",
            "escalation_due_at",
            "sla_reminded_at",
            "sla_escalated_at",
            "updated_at",
        ]
    )
    LeadAssignment.objects.create(
        lead=lead,
        user=user,
        team=team,
        rule=rule,
        rule_name=rule.name if rule else "",
        strategy=strategy,
        assigned_by=_actor(by),
        assigned_at=now,
    )
    if user is not None and user != _actor(by):
        _notify(
            user,
            lambda: _("New lead assigned to you: %(name)s") % {"name": lead.display_name},
            url=lead.get_absolute_url(),
        )
    elif user is None and team is not None:
        _notify(
            team.manager,
            lambda: (
                _("A lead waits in team %(team)s's queue: nobody there is available.")
                % {"team": team.name}
            ),
            url=lead.get_absolute_url(),
        )
    if lead.first_response_due_at and waiting:
        from .sla import schedule_check

        schedule_check(lead)
    return lead


def assign_lead(
    lead: Lead,
    *,
    by: User,
    user: User | None = None,
    team: Team | None = None,
    strategy: str = "",
) -> Lead:
    """Give the lead to a person, or to a team (a member chosen by `strategy` when given)."""
    if user is None and team is None:
        raise ValidationError(_("Choose a person or a team."))
    if user is not None and not routing.can_take_leads(user):
        raise ValidationError({"user": [_("This person cannot take leads right now.")]})
    with contacts.acting_as(by), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if user is None and strategy:
            user = routing.pick_team_member(team, strategy)
        if user is not None and team is None:
            team = user.team
        _apply_assignment(lead, user=user, team=team, rule=None, strategy=strategy, by=by)
        reindex(lead)
    return lead


def reroute_lead(lead: Lead, *, by: User | None) -> Lead:
    """Run the assignment rules again (e.g. for a lead waiting in the fallback queue)."""
    with contacts.acting_as(by), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        decision = routing.route(lead)
        _apply_assignment(
            lead,
            user=decision.user,
            team=decision.team,
            rule=decision.rule,
            strategy=decision.strategy,
            by=by,
        )
        reindex(lead)
    return lead


# --- Status -------------------------------------------------------------------------------------

_REASONS = {
    LeadStatus.UNQUALIFIED: DisqualifyReason,
    LeadStatus.LOST: LostReason,
}


def _check_reason(status: str, reason: str) -> None:
    choices = _REASONS.get(status)
    if choices is not None and reason not in choices.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})


def change_status(lead: Lead, status: str, *, user: User, reason: str = "", note: str = "") -> Lead:
    """Move a lead through new → contacted → qualified, or close it as unqualified or lost
    (with a reason). Closed leads can be reopened; converting happens only via convert_lead."""
    if status not in LeadStatus.values or status == LeadStatus.CONVERTED:
        raise ValidationError({"status": [_("Choose one of the listed options.")]})
    _check_reason(status, reason)
    note = normalize_text(note)[:300]
    with contacts.acting_as(user), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.status == LeadStatus.CONVERTED:
            raise ValidationError({"status": [_("A converted lead cannot change status.")]})
        old = lead.status
        if old == status and lead.close_reason == (reason if status in _REASONS else ""):
            return lead
        now = timezone.now()
        lead.status = status
        if status in _REASONS:
            lead.close_reason, lead.close_note, lead.closed_at = reason, note, now
        else:
            lead.close_reason, lead.close_note, lead.closed_at = "", "", None
        if (
            status in (LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
            and lead.first_contacted_at is None
        ):
            lead.first_contacted_at = now
        if status == LeadStatus.QUALIFIED and lead.qualified_at is None:
            lead.qualified_at = now
        lead.last_activity_at = now
        scoring.apply_score(lead, now=now)
        lead.save()
        history.record(
            lead,
            "lead_status",
            user=user,
            subject="",
            body=note,
            data={"from": old, "to": status, "reason": lead.close_reason},
        )
        reindex(lead)
    return lead


def qualify(lead: Lead, *, user: User, note: str = "") -> Lead:
    return change_status(lead, LeadStatus.QUALIFIED, user=user, note=note)


def disqualify(lead: Lead, *, user: User, reason: str, note: str = "") -> Lead:
    return change_status(lead, LeadStatus.UNQUALIFIED, user=user, reason=reason, note=note)


def mark_lost(lead: Lead, *, user: User, reason: str, note: str = "") -> Lead:
    return change_status(lead, LeadStatus.LOST, user=user, reason=reason, note=note)


def bulk_change_status(
    leads: list[Lead], status: str, *, user: User, reason: str = "", note: str = ""
) -> tuple[int, list[str]]:
    """(changed count, messages for leads that could not change)."""
    changed, problems = 0, []
    for lead in leads:
        try:
            change_status(lead, status, user=user, reason=reason, note=note)
            changed += 1
        except ValidationError as exc:
            problems.append(f"{lead.display_name}: {' '.join(exc.messages)}")
    return changed, problems


def bulk_assign(
    leads: list[Lead],
    *,
    by: User,
    user: User | None = None,
    team: Team | None = None,
    strategy: str = "",
) -> int:
    for lead in leads:
        assign_lead(lead, by=by, user=user, team=team, strategy=strategy)
    return len(leads)


# --- Interactions and first contact -------------------------------------------------------------


def mark_first_contact(lead: Lead, *, at: datetime | None = None) -> bool:
    """Record the first contact (and move a new lead to "contacted"); later calls do nothing."""
    at = at or timezone.now()
    updated = Lead.objects.filter(pk=lead.pk, first_contacted_at__isnull=True).update(
        first_contacted_at=at, updated_at=timezone.now()
    )
    Lead.objects.filter(pk=lead.pk, status=LeadStatus.NEW).update(status=LeadStatus.CONTACTED)
    if updated:
        lead.refresh_from_db(fields=["first_contacted_at", "status"])
    return bool(updated)


def log_interaction(
    lead: Lead,
    *,
    user: User,
    kind: str,
    subject: str = "",
    body: str = "",
    direction: str = "",
    outcome: str = "",
    duration_seconds: int | None = None,
):
    """A call, e-mail, meeting, SMS or note on the lead's timeline. Any of these but a note
    counts as contacting the lead (stops its first-response clock)."""
    with contacts.acting_as(user), transaction.atomic():
        entry = history.log(
            lead,
            kind,
            user=user,
            subject=subject,
            body=body,
            direction=direction,
            outcome=outcome,
            duration_seconds=duration_seconds,
        )
        now = timezone.now()
        Lead.objects.filter(pk=lead.pk).update(last_activity_at=now, updated_at=now)
        if history.is_interaction(kind):
            mark_first_contact(lead, at=entry.occurred_at)
    return entry


# --- Editing and scoring ------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "company_size",
    "phone",
    "email",
    "province",
    "city",
    "language",
    "product",
    "message",
)


def update_lead(lead: Lead, *, user: User, data: LeadInput) -> Lead:
    """Replace the person/company details (validated like any capture) and rescore."""
    data = data.normalized()
    with contacts.acting_as(user), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        values = {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "company_name": data.company,
            "job_title": data.job_title,
            "company_size": data.company_size,
            "phone": data.phone,
            "email": data.email,
            "province": data.province,
            "city": data.city,
            "language": data.language,
            "product": data.product,
            "message": data.message,
        }
        for field, value in values.items():
            setattr(lead, field, value)
        scoring.apply_score(lead)
        lead.save()
        reindex(lead)
    return lead


def rescore_lead(lead: Lead, *, now: datetime | None = None) -> bool:
    if scoring.apply_score(lead, now=now):
        lead.save(update_fields=["score", "band", "score_explanation", "updated_at"])
        return True
    return False


def rescore_open_leads(*, now: datetime | None = None, batch: int = 500) -> int:
    """Recompute every open lead (after the scoring rules change, and daily for recency)."""
    changed, last_id = 0, 0
    rules = list(scoring.ScoringRule.objects.filter(is_active=True))
    while True:
        leads = list(Lead.objects.open().filter(pk__gt=last_id).order_by("pk")[:batch])
        if not leads:
            return changed
        for lead in leads:
            score, explanation = scoring.score_lead(lead, rules=rules, now=now)
            band = scoring.band_for(score)
            if (score, band, explanation) != (lead.score, lead.band, lead.score_explanation):
                Lead.objects.filter(pk=lead.pk).update(
                    score=score, band=band, score_explanation=explanation
                )
                changed += 1
        last_id = leads[-1].pk


# --- Conversion ---------------------------------------------------------------------------------


def _contact_input(lead: Lead, owner: User | None) -> contacts.ContactInput:
    last_name = (
        lead.last_name
        or lead.first_name
        or lead.company_name
        or (lead.email.split("@")[0] if lead.email else lead.phone)
    )
    addresses = (
        [contacts.AddressInput(province=lead.province, city=lead.city)]
        if lead.province or lead.city
        else []
    )
    return contacts.ContactInput(
        first_name=lead.first_name if lead.last_name else "",
        last_name=last_name[:100],
        job_title=lead.job_title,
        phones=[contacts.PhoneInput(lead.phone, is_primary=True)] if lead.phone else [],
        emails=[contacts.EmailInput(lead.email, is_primary=True)] if lead.email else [],
        addresses=addresses,
        source=lead.channel,
        lifecycle_stage=LifecycleStage.PROSPECT,
        owner=owner,
        team=lead.team,
        consent_email=bool(lead.consent and lead.email),
        notes=lead.message,
    )


def _link_company(lead: Lead, owner: User | None, user: User) -> Company | None:
    if not lead.company_name:
        return None
    existing = Company.objects.alive().filter(name=lead.company_name).order_by("id").first()
    if existing is not None:
        return existing
    return contacts.create_company(
        user=user,
        data=contacts.CompanyInput(
            name=lead.company_name,
            employee_count=lead.company_size,
            source=lead.channel,
            lifecycle_stage=LifecycleStage.PROSPECT,
            owner=owner,
            team=lead.team,
        ),
    )


def convert_lead(
    lead: Lead, *, user: User, create_deal: bool = False, deal_input: dict | None = None
) -> Contact:
    """Turn a qualified lead into a contact (and company), reusing existing records found by
    phone or e-mail, and move the lead's whole history onto the contact's timeline.

    Idempotent: converting a converted lead returns its contact and changes nothing. Receivers
    of `signals.lead_converted` (e.g. sales, to open a deal) run inside the same transaction."""
    with contacts.acting_as(user), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.status == LeadStatus.CONVERTED:
            return lead.contact
        if lead.status != LeadStatus.QUALIFIED:
            raise ValidationError({"status": [_("Qualify the lead before converting it.")]})
        owner = lead.owner or user
        contact = lead.contact
        if contact is None or contact.merged_into_id or contact.deleted_at:
            contact = _contact_matching(LeadInput(phone=lead.phone, email=lead.email))
        company = _link_company(lead, owner, user)
        if contact is None:
            data = _contact_input(lead, owner)
            if company is not None:
                data.memberships = [contacts.MembershipInput(company, lead.job_title, True)]
            contact = contacts.create_contact(user=user, data=data)
        elif company is not None and not contact.memberships.filter(company=company).exists():
            current = [
                contacts.MembershipInput(m.company_id, m.title, m.is_primary)
                for m in contact.memberships.all()
            ]
            contacts.update_contact(
                contact,
                user=user,
                data=contacts.ContactInput(
                    memberships=[
                        *current,
                        contacts.MembershipInput(company, lead.job_title, not current),
                    ]
                ),
            )
        history.move_history(lead, contact=contact, company=company)
        now = timezone.now()
        lead.status = LeadStatus.CONVERTED
        lead.converted_at = now
        lead.converted_by = user
        lead.contact, lead.company = contact, company
        lead.qualified_at = lead.qualified_at or now
        lead.last_activity_at = now
        lead.save()
        history.record(
            lead,
            "lead_converted",
            user=user,
            subject="",
            data={"contact": contact.pk, "company": company.pk if company else None},
        )
        reindex(lead)
        signals.lead_converted.send(
            sender=Lead,
            lead=lead,
            contact=contact,
            company=company,
            user=user,
            create_deal=create_deal,
            deal_input=deal_input or {},
        )
    return contact


# --- Search -------------------------------------------------------------------------------------


def reindex(lead: Lead) -> None:
    from peyvand.search.services import index_document

    from .search_index import lead_document

    index_document("lead", lead.pk, lead_document(lead))


# --- Review and set-up --------------------------------------------------------------------------


def dismiss_review(lead: Lead, *, user: User) -> Lead:
    """A person checked the near-duplicate flag: these are different people."""
    with contacts.acting_as(user), transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        lead.needs_review = False
        lead.save(update_fields=["needs_review", "updated_at"])
    return lead


@transaction.atomic
def move_rule(rule: AssignmentRule, *, up: bool) -> None:
    """Swap the rule with its neighbour above (or below); orders are renumbered 1..n."""
    rules = list(AssignmentRule.objects.select_for_update().order_by("order", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order", "updated_at"])


def rotate_form_key(lead_form: LeadForm) -> LeadForm:
    """A new key for a form whose key leaked (spam); the old embed code stops working."""
    from .models import new_form_key

    lead_form.key = new_form_key()
    lead_form.save(update_fields=["key", "updated_at"])
    return lead_form
