"""Each ticket's SLA clock: started when the ticket opens, paused while waiting on the customer,
stopped on resolution; the assignee is warned before a deadline and the team lead hears about a
breach.

The clock follows the ticket through the signals of `peyvand.service.signals` (connected in
`connect()`, called from the app's ready()). A background job is deferred to each warning and
due time when the task backend can defer; the `check_ticket_sla` command (cron, every few
minutes) catches whatever a job missed. Both call `check_ticket_sla`, which is idempotent: one
warning and one breach per ticket and metric."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from peyvand.accounts.models import Team, User
from peyvand.accounts.services import notify

from .business_hours import add_business_minutes, business_seconds_between
from .calendars import default_calendar
from .historic import is_historic
from .models import (
    BusinessCalendar,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaState,
    Ticket,
    TicketSla,
    TicketStatus,
)

WARNED, BREACHED = "warned", "breached"
METRICS = (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
# Used when no policy matches a ticket: one business day to answer, five to resolve.
FALLBACK_FIRST_RESPONSE_MINUTES = 9 * 60
FALLBACK_RESOLUTION_MINUTES = 5 * 9 * 60
PAUSING_STATUSES = (TicketStatus.WAITING_CUSTOMER,)
STOPPING_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


# --- Policies ------------------------------------------------------------------------------------


def customer_tier(ticket: Ticket) -> tuple[set[str], str]:
    """The customer's tags (contact and company) and the contact's (else company's) stage."""
    tags: set[str] = set()
    stage = ""
    for record in (ticket.contact, ticket.company):
        if record is not None:
            tags.update(record.tags.values_list("name", flat=True))
            stage = stage or record.lifecycle_stage
    return tags, stage


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, in order, matching the ticket's priority and customer tier."""
    tags, stage = customer_tier(ticket)
    for policy in SlaPolicy.objects.filter(is_active=True).select_related("calendar"):
        if policy.matches(priority=ticket.priority, tags=tags, lifecycle_stage=stage):
            return policy
    return None


# --- The clock -----------------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _recompute(sla: TicketSla) -> None:
    """Due and warning times from the start, the targets and the business time spent paused."""
    calendar = sla.calendar
    for metric in METRICS:
        target = sla.target_minutes(metric) + sla.paused_seconds / 60
        due = add_business_minutes(calendar, sla.started_at, target)
        setattr(sla, f"{metric}_due_at", due)
        warn_after = max(0.0, target - sla.warn_before_minutes)
        setattr(
            sla, f"{metric}_warn_at", add_business_minutes(calendar, sla.started_at, warn_after)
        )


def start_clock(ticket: Ticket, *, at: dt.datetime | None = None) -> TicketSla:
    """Start (or return the existing) SLA clock of a ticket, with the matching policy's targets."""
    existing = TicketSla.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    policy = policy_for(ticket)
    calendar = policy.calendar if policy else default_calendar()
    sla = TicketSla(
        ticket=ticket,
        policy=policy,
        calendar=calendar,
        started_at=at or ticket.created_at or timezone.now(),
        first_response_minutes=policy.first_response_minutes
        if policy
        else FALLBACK_FIRST_RESPONSE_MINUTES,
        resolution_minutes=policy.resolution_minutes if policy else FALLBACK_RESOLUTION_MINUTES,
        warn_before_minutes=policy.warn_before_minutes if policy else 30,
    )
    _recompute(sla)
    if ticket.first_responded_at:
        sla.first_responded_at = ticket.first_responded_at
        sla.first_response_seconds = max(
            0, business_seconds_between(calendar, sla.started_at, ticket.first_responded_at)
        )
    sla.save()
    if ticket.status in PAUSING_STATUSES:
        pause_clock(ticket, at=sla.started_at)
        sla.refresh_from_db()
    schedule_checks(sla)
    return sla


def reapply_policy(ticket: Ticket) -> TicketSla | None:
    """After the priority or the customer changes: the targets of the policy that now matches,
    counted from the original start (time already spent still counts)."""
    sla = _locked(ticket)
    if sla is None:
        return None
    policy = policy_for(ticket)
    if policy is None or policy.pk == sla.policy_id:
        return sla
    sla.policy = policy
    sla.calendar = policy.calendar
    sla.first_response_minutes = policy.first_response_minutes
    sla.resolution_minutes = policy.resolution_minutes
    sla.warn_before_minutes = policy.warn_before_minutes
    _recompute(sla)
    sla.save()
    schedule_checks(sla)
    return sla


def _locked(ticket: Ticket) -> TicketSla | None:
    return (
        TicketSla.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(ticket=ticket)
        .first()
    )


def pause_clock(ticket: Ticket, *, at: dt.datetime | None = None) -> TicketSla | None:
    """Waiting on the customer: the clock stops counting until resumed."""
    sla = _locked(ticket)
    if sla is None or sla.state != SlaState.RUNNING:
        return sla
    at = at or timezone.now()
    sla.elapsed_seconds = elapsed_seconds(sla, at)
    sla.state = SlaState.PAUSED
    sla.paused_at = at
    sla.pauses = [*sla.pauses, [_iso(at), None]]
    sla.save()
    return sla


def resume_clock(ticket: Ticket, *, at: dt.datetime | None = None) -> TicketSla | None:
    """The customer answered (or the ticket reopened): business time since the pause (or the
    resolution) does not count, so every deadline moves by that much."""
    sla = _locked(ticket)
    if sla is None or sla.state == SlaState.RUNNING:
        return sla
    at = at or timezone.now()
    since = sla.paused_at or sla.resolved_at or at
    sla.paused_seconds += business_seconds_between(sla.calendar, since, at)
    if sla.pauses and sla.pauses[-1][1] is None:
        sla.pauses[-1][1] = _iso(at)
    else:
        sla.pauses = [*sla.pauses, [_iso(since), _iso(at)]]
    if sla.state == SlaState.STOPPED:
        sla.resolved_at = None
    sla.state = SlaState.RUNNING
    sla.paused_at = None
    _recompute(sla)
    sla.save()
    schedule_checks(sla)
    return sla


def record_first_response(ticket: Ticket, *, at: dt.datetime) -> TicketSla | None:
    sla = _locked(ticket)
    if sla is None or sla.first_responded_at is not None:
        return sla
    sla.first_responded_at = at
    sla.first_response_seconds = elapsed_seconds(sla, at)
    sla.save(update_fields=["first_responded_at", "first_response_seconds", "updated_at"])
    if at > sla.first_response_due_at:
        _record_breach(sla, SlaMetric.FIRST_RESPONSE, at, escalate=False)
    return sla


def stop_clock(ticket: Ticket, *, at: dt.datetime | None = None) -> TicketSla | None:
    """Resolved or closed: resolution time is met (or was missed) at `at`."""
    sla = _locked(ticket)
    if sla is None or sla.state == SlaState.STOPPED:
        return sla
    at = at or timezone.now()
    if sla.state == SlaState.PAUSED:
        # Resolved while waiting on the customer: the pause ends here.
        sla.paused_seconds += business_seconds_between(sla.calendar, sla.paused_at, at)
        if sla.pauses and sla.pauses[-1][1] is None:
            sla.pauses[-1][1] = _iso(at)
        sla.paused_at = None
        _recompute(sla)
    sla.elapsed_seconds = elapsed_seconds(sla, at)
    sla.resolution_seconds = sla.elapsed_seconds
    sla.state = SlaState.STOPPED
    sla.resolved_at = at
    sla.save()
    if at > sla.resolution_due_at:
        _record_breach(sla, SlaMetric.RESOLUTION, at, escalate=False)
    return sla


def elapsed_seconds(sla: TicketSla, now: dt.datetime | None = None) -> int:
    """Business seconds the clock has counted: since the start, less time paused."""
    if sla.state != SlaState.RUNNING:
        return sla.elapsed_seconds
    now = now or timezone.now()
    return max(0, business_seconds_between(sla.calendar, sla.started_at, now) - sla.paused_seconds)


def remaining_seconds(sla: TicketSla, metric: str, now: dt.datetime | None = None) -> int | None:
    """Business seconds left before the metric's due time (negative once late); None if met."""
    if sla.met_at(metric) is not None:
        return None
    return sla.target_minutes(metric) * 60 - elapsed_seconds(sla, now)


# --- Warnings, breaches, escalation ----------------------------------------------------------


@task()
def check_ticket_sla_job(ticket_id: int) -> list[str]:
    return check_ticket_sla(ticket_id)


_scheduling_paused: ContextVar[bool] = ContextVar("sla_scheduling_paused", default=False)


@contextmanager
def scheduling_paused() -> Iterator[None]:
    """For replays of history (demo data, imports): clock changes queue no deferred checks;
    the caller schedules once per running clock afterwards."""
    token = _scheduling_paused.set(True)
    try:
        yield
    finally:
        _scheduling_paused.reset(token)


def schedule_checks(sla: TicketSla) -> None:
    """Defer checks to the next warning and due times, after the transaction commits. Backends
    that cannot defer rely on the sweep command alone."""
    if _scheduling_paused.get():
        return
    if sla.state != SlaState.RUNNING or not check_ticket_sla_job.get_backend().supports_defer:
        return
    ticket_id = sla.ticket_id
    moments = set()
    for metric in METRICS:
        if sla.met_at(metric) is None:
            if getattr(sla, f"{metric}_warned_at") is None:
                moments.add(getattr(sla, f"{metric}_warn_at"))
            if sla.breached_at(metric) is None:
                moments.add(sla.due_at(metric))
    for moment in sorted(m for m in moments if m is not None):
        transaction.on_commit(
            lambda moment=moment: check_ticket_sla_job.using(run_after=moment).enqueue(ticket_id)
        )


def team_lead_for(ticket: Ticket) -> User | None:
    """The manager of the ticket's team (or the assignee's), or of the first team above it with
    an active manager other than the assignee."""
    team = ticket.team or (ticket.assignee.team if ticket.assignee_id else None)
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.is_active and manager.pk != ticket.assignee_id:
            return manager
        team = Team.objects.select_related("manager").filter(pk=team.parent_id).first()
    return None


def _metric_label(metric: str) -> str:
    return _("first response") if metric == SlaMetric.FIRST_RESPONSE else _("resolution")


def _warn(sla: TicketSla, metric: str, now: dt.datetime) -> None:
    ticket = sla.ticket
    recipient = ticket.assignee or team_lead_for(ticket)
    if recipient is not None and recipient.is_active:
        with override(recipient.language or settings.LANGUAGE_CODE):
            text = _("SLA about to be breached (%(metric)s): %(ticket)s") % {
                "metric": _metric_label(metric),
                "ticket": str(ticket),
            }
        notify(
            recipient,
            text,
            url=ticket.get_absolute_url(),
            dedupe_key=f"ticket-sla-warn:{ticket.pk}:{metric}:{int(sla.due_at(metric).timestamp())}",
        )
    setattr(sla, f"{metric}_warned_at", now)


def _record_breach(sla: TicketSla, metric: str, now: dt.datetime, *, escalate: bool) -> bool:
    """Record the breach once; on a live breach tell the team lead (and the assignee)."""
    ticket = sla.ticket
    due = sla.due_at(metric)
    lead = team_lead_for(ticket) if escalate else None
    try:
        with transaction.atomic():
            SlaBreach.objects.create(
                ticket=ticket,
                metric=metric,
                due_at=due,
                breached_at=min(now, sla.met_at(metric) or now),
                assignee=ticket.assignee,
                escalated_to=lead,
            )
    except IntegrityError:
        return False
    setattr(sla, f"{metric}_breached_at", now)
    TicketSla.objects.filter(pk=sla.pk).update(**{f"{metric}_breached_at": now})
    for recipient in {r for r in (lead, ticket.assignee if escalate else None) if r is not None}:
        if not recipient.is_active:
            continue
        with override(recipient.language or settings.LANGUAGE_CODE):
            if recipient == lead:
                text = _("SLA breached (%(metric)s), escalated to you: %(ticket)s") % {
                    "metric": _metric_label(metric),
                    "ticket": str(ticket),
                }
            else:
                text = _("SLA breached (%(metric)s): %(ticket)s") % {
                    "metric": _metric_label(metric),
                    "ticket": str(ticket),
                }
        notify(
            recipient,
            text,
            url=ticket.get_absolute_url(),
            dedupe_key=f"ticket-sla-breach:{ticket.pk}:{metric}:{recipient.pk}",
        )
    return True


def check_ticket_sla(ticket_id: int, *, now: dt.datetime | None = None) -> list[str]:
    """Warn and/or escalate one ticket if its warning or due times have passed; what it did."""
    now = now or timezone.now()
    actions: list[str] = []
    with transaction.atomic():
        sla = (
            TicketSla.objects.select_for_update(of=("self",))
            .select_related("calendar", "ticket", "ticket__assignee", "ticket__team__manager")
            .filter(ticket_id=ticket_id)
            .first()
        )
        if sla is None or sla.state != SlaState.RUNNING or not sla.ticket.is_active:
            return actions
        for metric in METRICS:
            if sla.met_at(metric) is not None or sla.breached_at(metric) is not None:
                continue
            if now >= sla.due_at(metric):
                if _record_breach(sla, metric, now, escalate=True):
                    actions.append(f"{metric}:{BREACHED}")
            elif (
                getattr(sla, f"{metric}_warned_at") is None
                and getattr(sla, f"{metric}_warn_at") is not None
                and now >= getattr(sla, f"{metric}_warn_at")
            ):
                _warn(sla, metric, now)
                sla.save(update_fields=[f"{metric}_warned_at", "updated_at"])
                actions.append(f"{metric}:{WARNED}")
    return actions


def _due_for_check(now: dt.datetime) -> QuerySet[TicketSla]:
    condition = Q()
    for metric in METRICS:
        open_metric = Q(**{f"{metric}_breached_at__isnull": True})
        if metric == SlaMetric.FIRST_RESPONSE:
            open_metric &= Q(first_responded_at__isnull=True)
        else:
            open_metric &= Q(resolved_at__isnull=True)
        condition |= open_metric & (
            Q(**{f"{metric}_due_at__lte": now})
            | Q(**{f"{metric}_warned_at__isnull": True, f"{metric}_warn_at__lte": now})
        )
    return TicketSla.objects.filter(condition, state=SlaState.RUNNING)


def sweep(*, now: dt.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Check every running clock with a passed warning or due time; counts by action."""
    now = now or timezone.now()
    counts = {WARNED: 0, BREACHED: 0}
    last_id = 0
    due = _due_for_check(now).order_by("ticket_id")
    while True:
        ids = list(due.filter(ticket_id__gt=last_id).values_list("ticket_id", flat=True)[:batch])
        if not ids:
            return counts
        for ticket_id in ids:
            for action in check_ticket_sla(ticket_id, now=now):
                counts[action.split(":")[1]] += 1
        last_id = ids[-1]


# --- Reads -------------------------------------------------------------------------------------


@dataclass
class MetricState:
    metric: str
    label: str
    target_minutes: int
    due_at: dt.datetime
    met_at: dt.datetime | None
    breached_at: dt.datetime | None
    remaining_seconds: int | None

    @property
    def status(self) -> str:
        """met / breached (late, met or not) / due (running) ."""
        if self.breached_at is not None or (self.met_at is not None and self.met_at > self.due_at):
            return "breached"
        if self.met_at is not None:
            return "met"
        if self.remaining_seconds is not None and self.remaining_seconds < 0:
            return "breached"
        return "due"

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "label": str(self.label),
            "status": self.status,
            "target_minutes": self.target_minutes,
            "due_at": self.due_at,
            "met_at": self.met_at,
            "breached_at": self.breached_at,
            "remaining_minutes": None
            if self.remaining_seconds is None
            else round(self.remaining_seconds / 60),
        }


def metric_states(sla: TicketSla, now: dt.datetime | None = None) -> list[MetricState]:
    from django.utils.translation import gettext_lazy

    labels = {
        SlaMetric.FIRST_RESPONSE: gettext_lazy("First response"),
        SlaMetric.RESOLUTION: gettext_lazy("Resolution"),
    }
    now = now or timezone.now()
    return [
        MetricState(
            metric=metric,
            label=labels[metric],
            target_minutes=sla.target_minutes(metric),
            due_at=sla.due_at(metric),
            met_at=sla.met_at(metric),
            breached_at=sla.breached_at(metric),
            remaining_seconds=remaining_seconds(sla, metric, now),
        )
        for metric in METRICS
    ]


def ticket_sla(ticket: Ticket) -> TicketSla | None:
    return TicketSla.objects.select_related("calendar", "policy").filter(ticket=ticket).first()


def breaching_soon(
    user, *, within_minutes: int = 60, now: dt.datetime | None = None, limit: int = 50
) -> list[Ticket]:
    """Active tickets `user` may see whose next open SLA deadline is within `within_minutes`
    (wall-clock) or already passed, soonest first. Each ticket gets `.sla_due_at` and
    `.sla_metric`; for a "breaching soon" queue."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=within_minutes)
    first = Q(sla__first_responded_at__isnull=True, sla__first_response_due_at__lte=horizon)
    resolution = Q(sla__resolved_at__isnull=True, sla__resolution_due_at__lte=horizon)
    next_due = Case(
        When(sla__first_responded_at__isnull=True, then=F("sla__first_response_due_at")),
        default=F("sla__resolution_due_at"),
    )
    tickets = list(
        Ticket.objects.visible_to(user)
        .active()
        .filter(sla__state=SlaState.RUNNING)
        .filter(first | resolution)
        .annotate(sla_due_at=next_due)
        .select_related("sla", "assignee", "team")
        .order_by("sla_due_at", "id")[:limit]
    )
    for ticket in tickets:
        first_open = ticket.sla.first_responded_at is None
        ticket.sla_metric = SlaMetric.FIRST_RESPONSE if first_open else SlaMetric.RESOLUTION
    return tickets


def breaches_for(ticket: Ticket) -> list[SlaBreach]:
    return list(
        ticket.sla_breaches.select_related("escalated_to", "assignee").order_by("breached_at")
    )


def calendar_for_display(sla: TicketSla | None) -> BusinessCalendar:
    return sla.calendar if sla is not None else default_calendar()


# --- Signal receivers ------------------------------------------------------------------------


def _on_opened(sender, ticket: Ticket, **kwargs) -> None:
    if is_historic():  # an imported past ticket: no live clock, warnings or breaches
        return
    start_clock(ticket)


def _on_status_changed(sender, ticket: Ticket, old: str, new: str, **kwargs) -> None:
    if is_historic():
        return
    if not TicketSla.objects.filter(ticket=ticket).exists():
        start_clock(ticket)
    if new in STOPPING_STATUSES:
        stop_clock(ticket, at=ticket.resolved_at or ticket.closed_at or timezone.now())
    elif new in PAUSING_STATUSES:
        pause_clock(ticket)
    elif old in PAUSING_STATUSES or old in STOPPING_STATUSES:
        resume_clock(ticket)


def _on_message_added(sender, ticket: Ticket, message, first_response: bool = False, **kwargs):
    if is_historic():
        return
    if first_response:
        record_first_response(ticket, at=ticket.first_responded_at or message.created_at)


def _on_changed(sender, ticket: Ticket, changes: dict, **kwargs) -> None:
    if is_historic():
        return
    if {"priority", "contact", "company"} & set(changes):
        reapply_policy(ticket)


def connect() -> None:
    from . import signals

    signals.ticket_opened.connect(_on_opened, sender=Ticket, dispatch_uid="sla-opened")
    signals.ticket_status_changed.connect(
        _on_status_changed, sender=Ticket, dispatch_uid="sla-status"
    )
    signals.message_added.connect(_on_message_added, sender=Ticket, dispatch_uid="sla-message")
    signals.ticket_changed.connect(_on_changed, sender=Ticket, dispatch_uid="sla-changed")
