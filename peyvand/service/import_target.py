"""Tickets from an old helpdesk (issue 6): the "tickets" import target.

Each ticket is opened by `services.open_ticket` (its validation, contact matching, timeline and
search), inside `historic()`: a past ticket starts no SLA clock, fires no SLA warning, sends no
CSAT survey or e-mail, and is not routed or announced to an agent. Its own dates (created,
resolved/closed), status and assignee are then set as they were in the old system. External ids
are remembered: importing the same file again updates the same tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peyvand.accounts.models import User
from peyvand.contacts import services as contacts
from peyvand.core.persian import search_key
from peyvand.imports import registry
from peyvand.imports.registry import (
    CREATED,
    FILL,
    SKIP,
    SKIPPED,
    UPDATED,
    CleanRow,
    ImportField,
    ImportRow,
    JobContext,
    RecordByRecordTarget,
    RowOutcome,
)

from . import services
from .historic import historic
from .models import (
    TICKETS,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)

CODE = "tickets"
_CHANNEL_WORDS = (
    *TicketChannel.choices,
    (TicketChannel.PHONE, "تلفن"),
    (TicketChannel.PHONE, "تلفنی"),
    (TicketChannel.PHONE, "call"),
    (TicketChannel.EMAIL, "ایمیل"),
    (TicketChannel.EMAIL, "e-mail"),
    (TicketChannel.PORTAL, "پرتال"),
    (TicketChannel.PORTAL, "وب سایت"),
    (TicketChannel.PORTAL, "web"),
    (TicketChannel.SOCIAL, "شبکه اجتماعی"),
    (TicketChannel.SOCIAL, "تلگرام"),
    (TicketChannel.SOCIAL, "اینستاگرام"),
    (TicketChannel.SOCIAL, "واتساپ"),
    (TicketChannel.IN_PERSON, "حضوری"),
)
_STATUS_WORDS = (
    *TicketStatus.choices,
    (TicketStatus.NEW, "جدید"),
    (TicketStatus.OPEN, "باز"),
    (TicketStatus.OPEN, "در حال بررسی"),
    (TicketStatus.OPEN, "pending"),
    (TicketStatus.WAITING_CUSTOMER, "در انتظار مشتری"),
    (TicketStatus.WAITING_THIRD_PARTY, "در انتظار شخص ثالث"),
    (TicketStatus.RESOLVED, "حل شده"),
    (TicketStatus.RESOLVED, "حل‌شده"),
    (TicketStatus.RESOLVED, "solved"),
    (TicketStatus.CLOSED, "بسته"),
    (TicketStatus.CLOSED, "بسته شده"),
    (TicketStatus.REOPENED, "بازگشایی شده"),
)
_PRIORITY_WORDS = (
    *TicketPriority.choices,
    (TicketPriority.LOW, "کم"),
    (TicketPriority.LOW, "پایین"),
    (TicketPriority.NORMAL, "عادی"),
    (TicketPriority.NORMAL, "متوسط"),
    (TicketPriority.NORMAL, "medium"),
    (TicketPriority.HIGH, "زیاد"),
    (TicketPriority.HIGH, "بالا"),
    (TicketPriority.URGENT, "فوری"),
    (TicketPriority.URGENT, "بحرانی"),
)
_CLOSING = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
# Ticket fields an import changes on a ticket imported before, and undo puts back.
_TRACKED = (
    "subject",
    "description",
    "priority",
    "category",
    "contact",
    "company",
    "status",
    "assignee",
    "created_at",
    "resolved_at",
    "closed_at",
)

FIELDS = (
    registry.external_id_field(
        aliases=(
            "id",
            "ticket id",
            "ticket number",
            "external id",
            "شناسه",
            "شناسه تیکت",
            "شماره تیکت",
            "شناسه خارجی",
        )
    ),
    ImportField(
        "subject",
        gettext_lazy("Subject"),
        required=True,
        aliases=("subject", "title", "موضوع", "عنوان"),
        max_length=services.SUBJECT_MAX,
    ),
    ImportField(
        "description",
        gettext_lazy("Description"),
        registry.MULTILINE,
        aliases=("description", "body", "message", "شرح", "توضیحات", "متن", "پیام"),
    ),
    ImportField(
        "customer_national_id",
        gettext_lazy("Customer national ID"),
        registry.NATIONAL_ID,
        aliases=("national id", "national code", "کد ملی", "کدملی"),
    ),
    ImportField(
        "requester_phone",
        gettext_lazy("Customer phone"),
        registry.PHONE,
        aliases=("phone", "mobile", "customer phone", "تلفن", "موبایل", "تلفن مشتری"),
    ),
    ImportField(
        "requester_email",
        gettext_lazy("Customer email"),
        registry.EMAIL,
        aliases=("email", "e-mail", "customer email", "ایمیل", "ایمیل مشتری", "رایانامه"),
    ),
    ImportField(
        "requester_name",
        gettext_lazy("Customer name"),
        aliases=(
            "customer",
            "customer name",
            "requester",
            "name",
            "مشتری",
            "نام مشتری",
            "درخواست کننده",
        ),
        max_length=200,
    ),
    ImportField(
        "channel",
        gettext_lazy("Channel"),
        registry.CHOICE,
        aliases=("channel", "source", "کانال", "منبع", "راه ارتباطی"),
        choices=_CHANNEL_WORDS,
        help=gettext_lazy("Empty = phone."),
    ),
    ImportField(
        "status",
        gettext_lazy("Status"),
        registry.CHOICE,
        aliases=("status", "وضعیت"),
        choices=_STATUS_WORDS,
        help=gettext_lazy("Empty = closed (a ticket from the old helpdesk)."),
    ),
    ImportField(
        "priority",
        gettext_lazy("Priority"),
        registry.CHOICE,
        aliases=("priority", "اولویت", "فوریت"),
        choices=_PRIORITY_WORDS,
    ),
    ImportField(
        "category",
        gettext_lazy("Category"),
        aliases=("category", "type", "دسته", "دسته بندی", "نوع"),
        help=gettext_lazy("An existing ticket category, by name."),
    ),
    ImportField(
        "created_at",
        gettext_lazy("Created on"),
        registry.DATE,
        aliases=("created", "created at", "date", "opened", "تاریخ", "تاریخ ایجاد", "تاریخ ثبت"),
    ),
    ImportField(
        "closed_at",
        gettext_lazy("Resolved or closed on"),
        registry.DATE,
        aliases=("closed", "closed at", "resolved at", "تاریخ بستن", "تاریخ بسته شدن", "تاریخ حل"),
    ),
    ImportField(
        "assignee",
        gettext_lazy("Agent (username or email)"),
        aliases=("agent", "assignee", "owner", "کارشناس", "مسئول", "پاسخگو"),
    ),
)


def _find_user(value: str) -> User | None:
    value = (value or "").strip()
    if not value:
        return None
    lookup = {"email__iexact": value} if "@" in value else {"username__iexact": value}
    return User.objects.filter(is_active=True, **lookup).first()


def _category(name: str) -> TicketCategory | None:
    key = search_key(name)
    found = [c for c in TicketCategory.objects.filter(is_active=True) if search_key(c.name) == key]
    return found[0] if len(found) == 1 else None


def _moment(day: dt.date | None) -> dt.datetime | None:
    """A date from the file as a moment: midday local time, so it shows on that day anywhere."""
    if day is None:
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


class TicketTarget(RecordByRecordTarget):
    code = CODE
    label = gettext_lazy("Tickets")
    module = TICKETS
    fields = FIELDS
    match_keys = ("external_id",)
    description = gettext_lazy(
        "Past tickets from another helpdesk, one per row. They keep their dates and status; "
        "no SLA clock starts and no survey or e-mail is sent for them."
    )

    # -- cleaning ------------------------------------------------------------------------------
    def clean_row(self, values: dict[str, str]) -> CleanRow:
        row = super().clean_row(values)
        self.resolve(row.values, row)
        v = row.values
        created, closed = v.get("created_at"), v.get("closed_at")
        if created and created > timezone.localdate():
            row.add_error("created_at", _("The date is in the future."))
        if created and closed and closed < created:
            row.add_error("closed_at", _("The ticket cannot close before it was created."))
        return row

    def resolve(self, v: dict[str, Any], row: CleanRow) -> dict[str, Any]:
        refs: dict[str, Any] = {"category": None, "assignee": None, "contact": None}
        if v.get("category"):
            refs["category"] = _category(v["category"])
            if refs["category"] is None:
                row.add_error("category", _("No active ticket category has this name."))
        if v.get("assignee"):
            user = _find_user(v["assignee"])
            if user is None:
                row.add_error("assignee", _("No active user has this username or email."))
            refs["assignee"] = user
        if v.get("customer_national_id"):
            matches = contacts.find_duplicates(national_id=v["customer_national_id"])
            if len(matches) == 1:
                refs["contact"] = matches[0].record
            else:
                row.add_error("customer_national_id", _("No contact has this national ID."))
        return refs

    # -- writing -------------------------------------------------------------------------------
    model = Ticket
    duplicate_message = gettext_lazy("Same ticket as row %(row)d.")

    def row_guard(self):
        return historic()

    def write_row(
        self, row: ImportRow, existing: Ticket | None, context: JobContext, mode: str
    ) -> RowOutcome:
        check = CleanRow()
        v = row.values
        refs = self.resolve(v, check)
        if not check.ok:
            raise ValidationError(check.errors)
        if existing is not None:
            if mode == SKIP:
                return RowOutcome(
                    row.number, SKIPPED, existing.pk, message=_("Imported before; skipped.")
                )
            return self._update(row, existing, refs, context, fill=mode == FILL)
        data: dict[str, Any] = {
            "subject": v["subject"],
            "description": v.get("description") or "",
            "channel": v.get("channel") or TicketChannel.PHONE,
            "priority": v.get("priority") or TicketPriority.NORMAL,
            "category": refs["category"],
            "contact": refs["contact"],
            "requester_name": v.get("requester_name") or "",
            "requester_email": v.get("requester_email") or "",
            "requester_phone": v.get("requester_phone") or "",
            "external_ref": f"import:{context.source}:{row.external_id}"[:255]
            if row.external_id
            else "",
        }
        # Not routed and no assignee here: nobody is told about a ticket from the past.
        ticket = services.open_ticket(user=context.user, data=data, route=False)
        _set_history(ticket, v, refs)
        return RowOutcome(row.number, CREATED, ticket.pk)

    def _update(
        self, row: ImportRow, ticket: Ticket, refs: dict[str, Any], context: JobContext, *, fill
    ) -> RowOutcome:
        v = row.values
        before = _tracked(ticket)
        data: dict[str, Any] = {}
        for name in ("subject", "description", "priority"):
            if v.get(name) and not (fill and getattr(ticket, name)):
                data[name] = v[name]
        for name in ("category", "contact"):
            if refs[name] is not None and not (fill and getattr(ticket, f"{name}_id")):
                data[name] = refs[name]
        if data:
            services.update_ticket(ticket, user=context.user, data=data)
        if not fill:
            _set_history(ticket, v, refs)
        ticket.refresh_from_db()
        previous = {k: val for k, val in before.items() if _tracked(ticket)[k] != val}
        if not previous:
            return RowOutcome(row.number, SKIPPED, ticket.pk, message=_("Already up to date."))
        return RowOutcome(row.number, UPDATED, ticket.pk, previous=previous)

    # -- undo ----------------------------------------------------------------------------------
    def blockers(self, ids: Sequence[int]) -> list[str]:
        return registry.referenced_by(Ticket, ids)

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        from peyvand.search.services import remove_documents
        from peyvand.timeline.models import TimelineEntry

        ids = list(created_ids)
        ct = ContentType.objects.get_for_model(Ticket)
        TimelineEntry.objects.filter(source_type=ct, source_id__in=ids).delete()
        remove_documents("ticket", ids)
        Ticket.objects.filter(pk__in=ids).delete()
        for ticket in Ticket.objects.filter(pk__in=list(restored)):
            registry.restore_fields(ticket, restored[ticket.pk])
            ticket.save()
            services.reindex(ticket)

    def object_url(self, object_id: int) -> str | None:
        return reverse("service:ticket", args=[object_id])


def _tracked(ticket: Ticket) -> dict[str, Any]:
    values = {}
    for name in _TRACKED:
        value = getattr(ticket, name)
        values[name] = (
            value.isoformat() if isinstance(value, dt.datetime) else registry.snapshot(value)
        )
    return values


def _set_history(ticket: Ticket, v: dict[str, Any], refs: dict[str, Any]) -> None:
    """The old system's dates, status and agent, as they were (no status-change side effects:
    this is history, not a change happening now)."""
    from peyvand.timeline.models import TimelineEntry

    status = v.get("status") or TicketStatus.CLOSED
    created = _moment(v.get("created_at")) or ticket.created_at
    closed = _moment(v.get("closed_at")) or created
    values: dict[str, Any] = {
        "status": status,
        "created_at": created,
        "last_activity_at": closed if status in _CLOSING else created,
        "resolved_at": closed if status in _CLOSING else None,
        "closed_at": closed if status == TicketStatus.CLOSED else None,
    }
    if refs.get("assignee") is not None:
        values["assignee"] = refs["assignee"]
        values["team"] = ticket.team or refs["assignee"].team
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    ct = ContentType.objects.get_for_model(Ticket)
    TimelineEntry.objects.filter(source_type=ct, source_id=ticket.pk, kind="ticket_opened").update(
        occurred_at=created
    )
    ticket.refresh_from_db()
    services.reindex(ticket)


TARGET = TicketTarget()
