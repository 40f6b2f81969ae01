"""The first-response promise: a lead not contacted in time gets its owner a reminder task, and
if it is still waiting after the same interval again, the team's manager hears about it.

A background job is deferred to each deadline when the task backend can defer; the
`check_lead_sla` command (run every few minutes from cron) catches anything a job missed. Both
call `check_lead`, which is idempotent: a lead is reminded and escalated at most once per
assignment."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from peyvand.accounts.models import Team, User
from peyvand.accounts.services import notify

from .models import Lead

REMINDED, ESCALATED = "reminded", "escalated"


@task()
def check_lead_job(lead_id: int) -> list[str]:
    return check_lead(lead_id)


def schedule_check(lead: Lead, at: datetime | None = None) -> bool:
    """Defer a check to `at` (default: the first-response deadline), after the current
    transaction commits. Backends that cannot defer rely on the sweep command alone."""
    at = at or lead.first_response_due_at
    if at is None or not check_lead_job.get_backend().supports_defer:
        return False
    lead_id = lead.pk
    transaction.on_commit(lambda: check_lead_job.using(run_after=at).enqueue(lead_id))
    return True


def _manager_for(lead: Lead) -> User | None:
    """The manager of the lead's team, or of the first team above it with a manager other than
    the owner (a manager who owns the lead escalates to their own manager)."""
    team = lead.team or (lead.owner.team if lead.owner_id else None)
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.is_active and manager.pk != lead.owner_id:
            return manager
        team = Team.objects.select_related("manager").filter(pk=team.parent_id).first()
    return None


def _remind(lead: Lead, now: datetime) -> None:
    """A high-priority task, due now, for the owner (or the team manager of an ownerless lead),
    plus an in-app notification."""
    from peyvand.tasks.services import create_task

    assignee = lead.owner or _manager_for(lead)
    if assignee is not None and assignee.is_active:
        with override(assignee.language or settings.LANGUAGE_CODE):
            title = _("First response overdue: %(name)s") % {"name": lead.display_name}
            description = _("This lead has not been contacted yet. Call or write to them now.")
        contact = lead.contact
        if contact is not None and (contact.merged_into_id or contact.deleted_at):
            contact = None
        # The reminder is the system's, given by nobody: the assignee is its creator.
        create_task(
            user=assignee,
            title=title[:200],
            description=description,
            due_at=now,
            priority="high",
            assignee=assignee,
            contact=contact,
            related=lead,
        )
        notify(
            assignee,
            title,
            url=lead.get_absolute_url(),
            dedupe_key=f"lead-sla-reminded:{lead.pk}:{int(lead.first_response_due_at.timestamp())}",
        )
    lead.sla_reminded_at = now


def _escalate(lead: Lead, now: datetime) -> None:
    manager = _manager_for(lead)
    if manager is not None:
        with override(manager.language or settings.LANGUAGE_CODE):
            text = _("%(owner)s has not contacted the lead %(name)s in time.") % {
                "owner": lead.owner or _("Nobody"),
                "name": lead.display_name,
            }
        notify(
            manager,
            text,
            url=lead.get_absolute_url(),
            dedupe_key=f"lead-sla-escalated:{lead.pk}:{int(lead.escalation_due_at.timestamp())}",
        )
    lead.sla_escalated_at = now


def check_lead(lead_id: int, *, now: datetime | None = None) -> list[str]:
    """Remind and/or escalate one lead if its deadlines have passed; what it did."""
    now = now or timezone.now()
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("owner", "owner__team", "team", "team__manager", "contact")
            .filter(pk=lead_id)
            .first()
        )
        if (
            lead is None
            or not lead.is_open
            or lead.first_contacted_at is not None
            or lead.first_response_due_at is None
        ):
            return []
        actions: list[str] = []
        if lead.sla_reminded_at is None and now >= lead.first_response_due_at:
            _remind(lead, now)
            actions.append(REMINDED)
            if lead.escalation_due_at is not None and now < lead.escalation_due_at:
                schedule_check(lead, lead.escalation_due_at)
        if (
            lead.sla_reminded_at is not None
            and lead.sla_escalated_at is None
            and lead.escalation_due_at is not None
            and now >= lead.escalation_due_at
        ):
            _escalate(lead, now)
            actions.append(ESCALATED)
        if actions:
            lead.save(update_fields=["sla_reminded_at", "sla_escalated_at", "updated_at"])
    return actions


def sweep(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Check every lead with a passed deadline not acted on yet; counts by action."""
    now = now or timezone.now()
    due = (
        Lead.objects.awaiting_first_contact()
        .filter(
            Q(sla_reminded_at__isnull=True, first_response_due_at__lte=now)
            | Q(sla_escalated_at__isnull=True, escalation_due_at__lte=now)
        )
        .order_by("pk")
    )
    counts = {REMINDED: 0, ESCALATED: 0}
    last_id = 0
    while True:
        ids = list(due.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch])
        if not ids:
            return counts
        for lead_id in ids:
            for action in check_lead(lead_id, now=now):
                counts[action] += 1
        last_id = ids[-1]
