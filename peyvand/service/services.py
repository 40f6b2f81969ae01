"""Every write to tickets goes through here: opening (all channels), the conversation, status,
assignment, escalation, merge/link/split and the set-up. Pages, the API, the e-mail channel and
the customer portal call these functions."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import VIEW, has_perm
from peyvand.accounts.services import notify
from peyvand.contacts.models import Company, Contact
from peyvand.contacts.services import acting_as, get_or_create_tags, split_tags
from peyvand.core.persian import normalize_text
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone
from peyvand.core.uploads import save_upload

from . import routing, signals
from .attachments import clean_file_name, validate_attachments
from .models import (
    TICKETS,
    Escalation,
    EscalationDirection,
    MessageKind,
    RoutingRule,
    SupportTier,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

SUBJECT_MAX = 200
BODY_MAX = 50_000
REASON_MAX = 2_000
# How much of a message the customer's timeline shows.
TIMELINE_BODY_MAX = 1_000


def _actor(user: User | None) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


def _has_product() -> bool:
    return any(f.name == "product" for f in Ticket._meta.get_fields())


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _pk(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fk(errors: _Errors, field: str, value: Any, queryset, message: str):
    """A related record given as an object or an id, looked up in `queryset`."""
    if value is None or value == "":
        return None
    pk = _pk(value)
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        errors.add(field, message)
    return obj


def _text(errors: _Errors, field: str, value: Any, limit: int, *, multiline=False) -> str:
    text = normalize_text(str(value) if value is not None else "", multiline=multiline)
    if len(text) > limit:
        errors.add(field, _("The text is too long; at most %(max)s characters.") % {"max": limit})
    return text


def _choice(errors: _Errors, field: str, value: Any, choices, default: str = "") -> str:
    if value in (None, ""):
        return default
    if value not in choices.values:
        errors.add(field, _("Choose one of the listed options."))
        return default
    return value


def _agent(errors: _Errors, field: str, value: Any) -> User | None:
    user = _fk(
        errors, field, value, User.objects.filter(is_active=True), _("Choose an active user.")
    )
    if user is not None and not has_perm(user, TICKETS, VIEW):
        errors.add(field, _("%(name)s cannot work on tickets.") % {"name": user})
        return None
    return user


def lowest_tier() -> SupportTier | None:
    return SupportTier.objects.filter(is_active=True).order_by("level", "id").first()


def _match_contact(phone: str, email: str) -> Contact | None:
    """The one live contact with this phone or e-mail; None when none or several match."""
    from peyvand.contacts.services import find_duplicates

    if not phone and not email:
        return None
    matches = find_duplicates(phones=[phone] if phone else [], emails=[email] if email else [])
    ids = {m.record.pk for m in matches}
    if len(ids) != 1:
        return None
    return Contact.objects.alive().filter(pk__in=ids).first()


def _primary_company(contact: Contact) -> Company | None:
    membership = (
        contact.memberships.select_related("company")
        .filter(company__merged_into__isnull=True, company__deleted_at__isnull=True)
        .order_by("-is_primary", "id")
        .first()
    )
    return membership.company if membership else None


# --- Attachments ---------------------------------------------------------------------------------


def _store_attachments(
    ticket: Ticket, checked, *, message: TicketMessage | None, user: User | None
) -> list[TicketAttachment]:
    """Save checked uploads inside the caller's transaction and _Uploads block."""
    stored: list[TicketAttachment] = []
    for upload, file_type in checked:
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            name=clean_file_name(upload.name),
            content_type=file_type.content_type,
            size=upload.size or 0,
            uploaded_by=_actor(user),
        )
        # The stored name comes from upload_to (random); only the detected extension is ours.
        # A storage failure (full disk) is a ValidationError: the reply and its other files
        # roll back with the transaction (_Uploads), the user sees why.
        save_upload(attachment.file, f"file{file_type.extension}", upload, field="attachments")
        written = _written_files.get()
        if written is not None:
            written.append((attachment.file.storage, attachment.file.name))
        attachment.save()
        stored.append(attachment)
    return stored


_written_files: ContextVar[list | None] = ContextVar("service_written_files", default=None)


class _Uploads:
    """Removes the files written inside the block when the block raises, so a failed write
    never leaves an orphan file behind (the database rows roll back with the transaction)."""

    def __enter__(self) -> _Uploads:
        self.token = _written_files.set([]) if _written_files.get() is None else None
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.token is None:  # nested: the outermost block decides
            return False
        files = _written_files.get() or []
        _written_files.reset(self.token)
        if exc_type is not None:
            for storage, name in files:
                storage.delete(name)
        return False


# --- Timeline -----------------------------------------------------------------------------------


def _timeline(ticket: Ticket, kind: str, *, user: User | None, body: str = "", data=None) -> None:
    if ticket.contact_id is None and ticket.company_id is None:
        return
    from peyvand.timeline.services import record_entry

    record_entry(
        kind=kind,
        contact=ticket.contact,
        company=ticket.company,
        author=_actor(user),
        subject=f"{ticket.reference} · {ticket.subject}"[:200],
        body=body[:TIMELINE_BODY_MAX],
        source=ticket,
        data={"ticket": ticket.pk, "reference": ticket.reference, **(data or {})},
    )


def _notify(user: User | None, text: str, ticket: Ticket, *, actor: User | None) -> None:
    if user is None or (actor is not None and user.pk == actor.pk):
        return
    with override(user.language or "fa"):
        notify(
            user,
            text % {"ref": ticket.reference, "subject": ticket.subject},
            url=ticket.get_absolute_url(),
        )


def reindex(ticket: Ticket) -> None:
    from peyvand.search.services import index_document

    from .search_index import ticket_document

    index_document("ticket", ticket.pk, ticket_document(ticket))


# --- Opening ------------------------------------------------------------------------------------


def _clean_requester(errors: _Errors, data: dict) -> tuple[str, str, str]:
    name = _text(errors, "requester_name", data.get("requester_name"), 200)
    email = normalize_text(data.get("requester_email") or "").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("requester_email", _("Enter a valid email address."))
            email = ""
    phone = ""
    if data.get("requester_phone"):
        try:
            phone = normalize_phone(str(data["requester_phone"]))
        except InvalidPhoneNumber as exc:
            errors.add("requester_phone", str(exc))
    return name, email, phone


def open_ticket(
    *,
    user: User | None,
    data: dict[str, Any],
    attachments: Iterable[UploadedFile] = (),
    route: bool = True,
) -> Ticket:
    """The one way a ticket is opened, from every channel (phone form, API, e-mail, portal).

    data: subject (required), description, channel (required), contact, company,
    requester_name/requester_email/requester_phone, category, product, priority, tags,
    tier, team, assignee, external_ref. Related records may be objects or ids. Without a
    contact, a requester phone or e-mail matching exactly one contact links it. The ticket
    starts in the lowest tier; the routing rules run unless a team or assignee was given."""
    errors = _Errors()
    subject = _text(errors, "subject", data.get("subject"), SUBJECT_MAX)
    if not subject:
        errors.add("subject", _("This field is required."))
    description = _text(errors, "description", data.get("description"), BODY_MAX, multiline=True)
    channel = _choice(errors, "channel", data.get("channel"), TicketChannel)
    if not channel and "channel" not in errors:
        errors.add("channel", _("This field is required."))
    priority = _choice(
        errors, "priority", data.get("priority"), TicketPriority, TicketPriority.NORMAL
    )
    contact = _fk(
        errors,
        "contact",
        data.get("contact"),
        Contact.objects.alive(),
        _("Choose an existing contact."),
    )
    company = _fk(
        errors,
        "company",
        data.get("company"),
        Company.objects.alive(),
        _("Choose an existing company."),
    )
    category = _fk(
        errors,
        "category",
        data.get("category"),
        TicketCategory.objects.filter(is_active=True),
        _("Choose an active category."),
    )
    extra: dict[str, Any] = {}
    if _has_product() and data.get("product") not in (None, ""):
        product_model = Ticket._meta.get_field("product").related_model
        extra["product"] = _fk(
            errors,
            "product",
            data.get("product"),
            product_model._default_manager.all(),
            _("Choose an existing product."),
        )
    tier = _fk(
        errors,
        "tier",
        data.get("tier"),
        SupportTier.objects.filter(is_active=True),
        _("Choose an active tier."),
    )
    team = _fk(errors, "team", data.get("team"), Team.objects.all(), _("Choose an existing team."))
    assignee = _agent(errors, "assignee", data.get("assignee"))
    requester_name, requester_email, requester_phone = _clean_requester(errors, data)
    tags = split_tags(data.get("tags") or [])
    external_ref = str(data.get("external_ref") or "").strip()[:255]
    try:
        checked = validate_attachments(attachments)
    except ValidationError as exc:
        for message in exc.message_dict["attachments"]:
            errors.add("attachments", message)
        checked = []
    errors.raise_if_any()

    if contact is None and company is None:
        contact = _match_contact(requester_phone, requester_email)
    if contact is not None and company is None:
        company = _primary_company(contact)
    if assignee is not None and team is None:
        team = assignee.team
    now = timezone.now()
    actor = _actor(user)
    with acting_as(actor), transaction.atomic(), _Uploads():
        ticket = Ticket.objects.create(
            subject=subject,
            description=description,
            channel=channel,
            priority=priority,
            contact=contact,
            company=company,
            category=category,
            tier=tier or lowest_tier(),
            team=team,
            assignee=assignee,
            requester_name=requester_name,
            requester_email=requester_email,
            requester_phone=requester_phone,
            external_ref=external_ref,
            created_by=actor,
            created_at=now,
            last_activity_at=now,
            **extra,
        )
        ticket.number = ticket.pk
        ticket.save(update_fields=["number"])
        if tags:
            ticket.tags.add(*get_or_create_tags(tags))
        _store_attachments(ticket, checked, message=None, user=user)
        if route and team is None and assignee is None:
            routing.route_ticket(ticket)
        _timeline(ticket, "ticket_opened", user=user, body=description, data={"channel": channel})
        reindex(ticket)
        signals.ticket_opened.send(sender=Ticket, ticket=ticket, user=actor)
        if ticket.assignee_id:
            _notify(ticket.assignee, _("New ticket %(ref)s: %(subject)s"), ticket, actor=actor)
    return ticket


# --- Conversation -------------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket row under a lock (inside a transaction) and refresh `ticket`."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in (
        "status",
        "tier_id",
        "team_id",
        "assignee_id",
        "merged_into_id",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "priority",
    ):
        setattr(ticket, field, getattr(locked, field))
    return ticket


def _set_status(ticket: Ticket, new: str, *, user: User | None, now=None) -> str | None:
    """Change status fields in memory (caller saves); returns the old status or None."""
    old = ticket.status
    if old == new:
        return None
    now = now or timezone.now()
    ticket.status = new
    if new == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif new == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif old in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
    return old


_STATUS_FIELDS = ["status", "resolved_at", "closed_at", "last_activity_at", "updated_at"]
_TIMELINE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REOPENED)


def _after_status(ticket: Ticket, old: str | None, *, user: User | None) -> None:
    if old is None:
        return
    signals.ticket_status_changed.send(
        sender=Ticket, ticket=ticket, old=old, new=ticket.status, user=_actor(user)
    )
    if ticket.status in _TIMELINE_STATUSES:
        _timeline(ticket, "ticket_status", user=user, data={"from": old, "to": ticket.status})


def _add_message(
    ticket: Ticket,
    *,
    kind: str,
    body: str,
    user: User | None,
    contact: Contact | None = None,
    channel: str = "",
    attachments: Iterable[UploadedFile] = (),
    message_id: str = "",
    status: str | None = None,
) -> TicketMessage:
    errors = _Errors()
    body = _text(errors, "body", body, BODY_MAX, multiline=True)
    if not body:
        errors.add("body", _("Write a message."))
    channel = _choice(errors, "channel", channel, TicketChannel)
    if status is not None:
        status = _choice(errors, "status", status, TicketStatus)
        if status == TicketStatus.NEW:
            errors.add("status", _("A ticket cannot be made new again."))
    try:
        checked = validate_attachments(attachments)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    errors.raise_if_any()
    actor = _actor(user)
    with acting_as(actor), transaction.atomic(), _Uploads():
        _lock(ticket)
        if ticket.is_merged and kind != MessageKind.NOTE:
            raise ValidationError(
                _("This ticket was merged into %(ref)s; write there.")
                % {"ref": ticket.merged_into.reference}
            )
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=kind,
            author_user=actor,
            author_contact=contact,
            body=body,
            channel=channel,
            created_at=now,
            message_id=str(message_id or "")[:255],
        )
        _store_attachments(ticket, checked, message=message, user=user)
        first_response = False
        if kind == MessageKind.REPLY:
            first_response = bool(
                Ticket.objects.filter(pk=ticket.pk, first_responded_at__isnull=True).update(
                    first_responded_at=now
                )
            )
            if first_response:
                ticket.first_responded_at = now
        new_status = status
        if new_status is None:
            if (
                kind == MessageKind.REPLY
                and ticket.status
                in (
                    TicketStatus.NEW,
                    TicketStatus.REOPENED,
                )
            ) or (kind == MessageKind.CUSTOMER and ticket.status == TicketStatus.WAITING_CUSTOMER):
                new_status = TicketStatus.OPEN
            elif kind == MessageKind.CUSTOMER and ticket.status == TicketStatus.RESOLVED:
                new_status = TicketStatus.REOPENED
        old = _set_status(ticket, new_status, user=user, now=now) if new_status else None
        ticket.last_activity_at = now
        ticket.save(update_fields=_STATUS_FIELDS)
        if kind == MessageKind.REPLY:
            _timeline(ticket, "ticket_reply", user=user, body=body)
        elif kind == MessageKind.CUSTOMER:
            _timeline(ticket, "ticket_customer_message", user=user, body=body)
        signals.message_added.send(
            sender=Ticket,
            ticket=ticket,
            message=message,
            user=actor,
            first_response=first_response,
        )
        _after_status(ticket, old, user=user)
        if kind == MessageKind.CUSTOMER and ticket.assignee_id:
            _notify(
                ticket.assignee,
                _("The customer wrote on %(ref)s: %(subject)s"),
                ticket,
                actor=actor,
            )
    return message


def add_reply(
    ticket: Ticket,
    *,
    user: User,
    body: str,
    attachments: Iterable[UploadedFile] = (),
    channel: str = "",
    status: str | None = None,
    message_id: str = "",
) -> TicketMessage:
    """A public reply to the customer. The first one stamps first_responded_at; a new or
    reopened ticket becomes open, unless `status` (e.g. waiting_customer, resolved) is given."""
    return _add_message(
        ticket,
        kind=MessageKind.REPLY,
        body=body,
        user=user,
        channel=channel,
        attachments=attachments,
        status=status,
        message_id=message_id,
    )


def add_note(
    ticket: Ticket, *, user: User, body: str, attachments: Iterable[UploadedFile] = ()
) -> TicketMessage:
    """An internal note: never shown to the customer, not on the customer's timeline."""
    return _add_message(
        ticket, kind=MessageKind.NOTE, body=body, user=user, attachments=attachments
    )


def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    contact: Contact | None = None,
    channel: str = "",
    attachments: Iterable[UploadedFile] = (),
    message_id: str = "",
    user: User | None = None,
) -> TicketMessage:
    """A message from the customer (e-mail, portal), or typed by an agent for them.

    waiting_customer becomes open, resolved becomes reopened. On a closed or merged ticket a
    follow-up ticket is opened (related to the old one) and the message goes there: read
    `message.ticket`."""
    if ticket.is_merged and ticket.merged_into_id:
        survivor = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        if survivor is not None and not survivor.is_merged:
            ticket = survivor
    if ticket.status == TicketStatus.CLOSED or ticket.is_merged:
        with transaction.atomic():
            follow_up = open_ticket(
                user=user,
                data={
                    "subject": ticket.subject,
                    "channel": channel or ticket.channel,
                    "contact": contact or ticket.contact,
                    "company": ticket.company,
                    "category": ticket.category_id,
                    "priority": ticket.priority,
                    "requester_name": ticket.requester_name,
                    "requester_email": ticket.requester_email,
                    "requester_phone": ticket.requester_phone,
                },
            )
            follow_up.related.add(ticket)
            return _add_message(
                follow_up,
                kind=MessageKind.CUSTOMER,
                body=body,
                user=user,
                contact=contact or ticket.contact,
                channel=channel,
                attachments=attachments,
                message_id=message_id,
            )
    return _add_message(
        ticket,
        kind=MessageKind.CUSTOMER,
        body=body,
        user=user,
        contact=contact or ticket.contact,
        channel=channel,
        attachments=attachments,
        message_id=message_id,
    )


# --- Status, assignment, edits ------------------------------------------------------------------


def change_status(ticket: Ticket, status: str, *, user: User | None, note: str = "") -> Ticket:
    """Move a ticket to `status`. "new" is only the starting state; "reopened" only follows
    resolved or closed. A note, if given, is added as an internal note."""
    errors = _Errors()
    status = _choice(errors, "status", status, TicketStatus)
    if not status and "status" not in errors:
        errors.add("status", _("This field is required."))
    note = _text(errors, "note", note, BODY_MAX, multiline=True)
    errors.raise_if_any()
    actor = _actor(user)
    with acting_as(actor), transaction.atomic():
        _lock(ticket)
        if ticket.is_merged:
            raise ValidationError(
                {
                    "status": [
                        _("A merged ticket stays closed; work on the ticket it was merged into.")
                    ]
                }
            )
        if status == TicketStatus.NEW and ticket.status != TicketStatus.NEW:
            raise ValidationError({"status": [_("A ticket cannot be made new again.")]})
        if status == TicketStatus.REOPENED and ticket.status not in (
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        ):
            raise ValidationError(
                {"status": [_("Only a resolved or closed ticket can be reopened.")]}
            )
        now = timezone.now()
        old = _set_status(ticket, status, user=user, now=now)
        if old is not None:
            ticket.last_activity_at = now
            ticket.save(update_fields=_STATUS_FIELDS)
        if note:
            TicketMessage.objects.create(
                ticket=ticket, kind=MessageKind.NOTE, author_user=actor, body=note, created_at=now
            )
        _after_status(ticket, old, user=user)
    return ticket


def _changed(ticket: Ticket, changes: dict, *, user: User | None) -> None:
    if changes:
        signals.ticket_changed.send(
            sender=Ticket, ticket=ticket, changes=changes, user=_actor(user)
        )


def _name(obj) -> str | None:
    return str(obj) if obj is not None else None


def assign(
    ticket: Ticket,
    *,
    by: User | None,
    user: User | None = None,
    team: Team | None = None,
    strategy: str = "",
) -> Ticket:
    """Give the ticket to `user` (their team too, unless `team` is given), or to `team`'s queue,
    where `strategy` (round_robin / least_loaded) may pick an available agent. Neither: the
    ticket goes back to the unassigned pool of its team."""
    errors = _Errors()
    if strategy and strategy not in ("round_robin", "least_loaded"):
        errors.add("strategy", _("Choose one of the listed options."))
    if strategy and team is None:
        errors.add("team", _("Choose a team for the assignment strategy."))
    if user is not None and not (user.is_active and has_perm(user, TICKETS, VIEW)):
        errors.add("user", _("%(name)s cannot work on tickets.") % {"name": user})
    errors.raise_if_any()
    actor = _actor(by)
    with acting_as(actor), transaction.atomic():
        _lock(ticket)
        before = (ticket.assignee_id, ticket.team_id)
        old_assignee, old_team = ticket.assignee, ticket.team
        if user is not None:
            new_team = team or user.team or ticket.team
            new_user = user
        elif team is not None:
            new_team = team
            new_user = routing.pick_team_member(team, strategy) if strategy else None
        else:
            new_team, new_user = ticket.team, None
        ticket.assignee, ticket.team = new_user, new_team
        if (ticket.assignee_id, ticket.team_id) == before:
            return ticket
        ticket.last_activity_at = timezone.now()
        ticket.save(update_fields=["assignee", "team", "last_activity_at", "updated_at"])
        changes = {}
        if ticket.assignee_id != before[0]:
            changes["assignee"] = [_name(old_assignee), _name(new_user)]
        if ticket.team_id != before[1]:
            changes["team"] = [_name(old_team), _name(new_team)]
        reindex(ticket)
        _changed(ticket, changes, user=by)
        if new_user is not None:
            _notify(
                new_user, _("Ticket %(ref)s was assigned to you: %(subject)s"), ticket, actor=actor
            )
    return ticket


def update_ticket(ticket: Ticket, *, user: User | None, data: dict[str, Any]) -> Ticket:
    """Change the keys given in `data`: subject, description, category, product, priority,
    contact, company, tags (the full list)."""
    errors = _Errors()
    values: dict[str, Any] = {}
    if "subject" in data:
        values["subject"] = _text(errors, "subject", data["subject"], SUBJECT_MAX)
        if not values["subject"]:
            errors.add("subject", _("This field is required."))
    if "description" in data:
        values["description"] = _text(
            errors, "description", data["description"], BODY_MAX, multiline=True
        )
    if "priority" in data:
        values["priority"] = _choice(
            errors, "priority", data["priority"], TicketPriority, TicketPriority.NORMAL
        )
    if "category" in data:
        values["category"] = _fk(
            errors,
            "category",
            data["category"],
            TicketCategory.objects.all(),
            _("Choose an existing category."),
        )
    if "contact" in data:
        values["contact"] = _fk(
            errors,
            "contact",
            data["contact"],
            Contact.objects.alive(),
            _("Choose an existing contact."),
        )
    if "company" in data:
        values["company"] = _fk(
            errors,
            "company",
            data["company"],
            Company.objects.alive(),
            _("Choose an existing company."),
        )
    if "product" in data and _has_product():
        model = Ticket._meta.get_field("product").related_model
        values["product"] = _fk(
            errors,
            "product",
            data["product"],
            model._default_manager.all(),
            _("Choose an existing product."),
        )
    tags = split_tags(data["tags"] or []) if "tags" in data else None
    errors.raise_if_any()
    actor = _actor(user)
    with acting_as(actor), transaction.atomic():
        changes = {}
        for field, value in values.items():
            old = getattr(ticket, field)
            if old != value:
                changes[field] = [
                    old if isinstance(old, str) or old is None else str(old),
                    value if isinstance(value, str) or value is None else str(value),
                ]
                setattr(ticket, field, value)
        if changes:
            ticket.save(update_fields=[*values.keys(), "updated_at"])
        if tags is not None:
            current = sorted(t.name for t in ticket.tags.all())
            ticket.tags.set(get_or_create_tags(tags))
            if sorted(set(tags)) != current:
                changes["tags"] = [current, sorted(set(tags))]
        reindex(ticket)
        _changed(ticket, changes, user=user)
    return ticket


# --- Escalation ---------------------------------------------------------------------------------


def _move_tier(
    ticket: Ticket,
    *,
    user: User | None,
    reason: str,
    to_tier: SupportTier | None,
    team: Team | None,
    direction: str,
) -> Escalation:
    errors = _Errors()
    reason = _text(errors, "reason", reason, REASON_MAX, multiline=True)
    if not reason:
        errors.add("reason", _("Say why the ticket changes tier."))
    errors.raise_if_any()
    actor = _actor(user)
    up = direction == EscalationDirection.UP
    with acting_as(actor), transaction.atomic():
        _lock(ticket)
        if ticket.is_merged or not ticket.is_active:
            raise ValidationError(_("Only an active ticket can change tier."))
        current = SupportTier.objects.filter(pk=ticket.tier_id).first()
        level = current.level if current else 0
        tiers = SupportTier.objects.filter(is_active=True)
        if to_tier is None:
            to_tier = (
                tiers.filter(level__gt=level).order_by("level").first()
                if up
                else tiers.filter(level__lt=level).order_by("-level").first()
            )
            if to_tier is None:
                raise ValidationError(
                    {
                        "to_tier": [
                            _("The ticket is already at the highest tier.")
                            if up
                            else _("The ticket is already at the lowest tier.")
                        ]
                    }
                )
        elif not to_tier.is_active:
            raise ValidationError({"to_tier": [_("Choose an active tier.")]})
        elif up and to_tier.level <= level:
            raise ValidationError({"to_tier": [_("Escalate to a higher tier.")]})
        elif not up and to_tier.level >= level:
            raise ValidationError({"to_tier": [_("De-escalate to a lower tier.")]})
        new_team = team or to_tier.default_team or ticket.team
        changes = {"tier": [_name(current), _name(to_tier)]}
        old_team, old_assignee = ticket.team, ticket.assignee
        ticket.tier = to_tier
        if new_team != old_team:
            ticket.team = new_team
            ticket.assignee = None
            changes["team"] = [_name(old_team), _name(new_team)]
            if old_assignee is not None:
                changes["assignee"] = [_name(old_assignee), None]
        ticket.last_activity_at = timezone.now()
        ticket.save(update_fields=["tier", "team", "assignee", "last_activity_at", "updated_at"])
        escalation = Escalation.objects.create(
            ticket=ticket,
            from_tier=current,
            to_tier=to_tier,
            direction=direction,
            reason=reason,
            user=actor,
        )
        reindex(ticket)
        _changed(ticket, changes, user=user)
        signals.ticket_escalated.send(
            sender=Ticket, ticket=ticket, escalation=escalation, user=actor
        )
        if up and ticket.team is not None and ticket.team.manager is not None:
            _notify(
                ticket.team.manager,
                _("Ticket %(ref)s was escalated to your team: %(subject)s"),
                ticket,
                actor=actor,
            )
    return escalation


def escalate(
    ticket: Ticket,
    *,
    user: User | None,
    reason: str,
    to_tier: SupportTier | None = None,
    team: Team | None = None,
) -> Escalation:
    """Move the ticket to a higher tier (the next one by default). The team becomes `team`, or
    the tier's default team; a ticket changing team waits unassigned in the new team's queue."""
    return _move_tier(
        ticket,
        user=user,
        reason=reason,
        to_tier=to_tier,
        team=team,
        direction=EscalationDirection.UP,
    )


def de_escalate(
    ticket: Ticket,
    *,
    user: User | None,
    reason: str,
    to_tier: SupportTier | None = None,
    team: Team | None = None,
) -> Escalation:
    """Move the ticket back to a lower tier (the next one down by default)."""
    return _move_tier(
        ticket,
        user=user,
        reason=reason,
        to_tier=to_tier,
        team=team,
        direction=EscalationDirection.DOWN,
    )


# --- Merge, link, split -------------------------------------------------------------------------


def merge_tickets(survivor: Ticket, duplicates: list[Ticket], *, user: User | None) -> Ticket:
    """Merge duplicate tickets into `survivor`: their messages and attachments move to it, their
    related links and tags are added to it, and each duplicate is closed pointing to it."""
    duplicates = list({d.pk: d for d in duplicates if d.pk != survivor.pk}.values())
    if not duplicates:
        raise ValidationError({"duplicates": [_("Choose at least one other ticket to merge.")]})
    if survivor.is_merged:
        raise ValidationError(
            _("%(ref)s was itself merged; merge into the ticket it was merged into.")
            % {"ref": survivor.reference}
        )
    for dup in duplicates:
        if dup.is_merged:
            raise ValidationError(
                {"duplicates": [_("%(ref)s was already merged.") % {"ref": dup.reference}]}
            )
        if dup.contact_id and survivor.contact_id and dup.contact_id != survivor.contact_id:
            raise ValidationError(
                {
                    "duplicates": [
                        _(
                            "%(ref)s belongs to another customer; only one customer's "
                            "tickets can be merged."
                        )
                        % {"ref": dup.reference}
                    ]
                }
            )
    actor = _actor(user)
    ids = [d.pk for d in duplicates]
    with acting_as(actor), transaction.atomic():
        list(Ticket.objects.select_for_update().filter(pk__in=[survivor.pk, *ids]).order_by("pk"))
        _lock(survivor)
        now = timezone.now()
        TicketMessage.objects.filter(ticket_id__in=ids).update(
            merged_from=Coalesce(F("merged_from"), F("ticket")), ticket=survivor
        )
        TicketAttachment.objects.filter(ticket_id__in=ids).update(ticket=survivor)
        Ticket.objects.filter(merged_into_id__in=ids).update(merged_into=survivor)
        related = set(
            Ticket.related.through.objects.filter(from_ticket_id__in=ids).values_list(
                "to_ticket_id", flat=True
            )
        ) - {survivor.pk, *ids}
        if related:
            survivor.related.add(*related)
        Ticket.related.through.objects.filter(
            Q(from_ticket_id__in=ids) | Q(to_ticket_id__in=ids)
        ).delete()
        tag_ids = set(
            Ticket.tags.through.objects.filter(ticket_id__in=ids).values_list("tag_id", flat=True)
        )
        if tag_ids:
            survivor.tags.add(*tag_ids)
        earliest = min(
            (d.first_responded_at for d in duplicates if d.first_responded_at), default=None
        )
        update = ["last_activity_at", "updated_at"]
        if earliest and (
            survivor.first_responded_at is None or earliest < survivor.first_responded_at
        ):
            survivor.first_responded_at = earliest
            update.append("first_responded_at")
        if survivor.contact_id is None:
            donor = next((d for d in duplicates if d.contact_id), None)
            if donor is not None:
                survivor.contact_id, survivor.company_id = donor.contact_id, donor.company_id
                update += ["contact", "company"]
        survivor.last_activity_at = now
        survivor.save(update_fields=update)
        refs = ", ".join(d.reference for d in duplicates)
        TicketMessage.objects.create(
            ticket=survivor,
            kind=MessageKind.NOTE,
            author_user=actor,
            body=_("Merged into this ticket: %(refs)s.") % {"refs": refs},
            created_at=now,
        )
        for dup in duplicates:
            old = dup.status
            dup.status = TicketStatus.CLOSED
            dup.closed_at = now
            dup.merged_into = survivor
            dup.last_activity_at = now
            dup.save(
                update_fields=[
                    "status",
                    "closed_at",
                    "merged_into",
                    "last_activity_at",
                    "updated_at",
                ]
            )
            TicketMessage.objects.create(
                ticket=dup,
                kind=MessageKind.NOTE,
                author_user=actor,
                body=_("Merged into %(ref)s.") % {"ref": survivor.reference},
                created_at=now,
            )
            reindex(dup)
            if old != TicketStatus.CLOSED:
                signals.ticket_status_changed.send(
                    sender=Ticket, ticket=dup, old=old, new=TicketStatus.CLOSED, user=actor
                )
        signals.tickets_merged.send(sender=Ticket, survivor=survivor, merged=duplicates, user=actor)
    return survivor


def link_tickets(a: Ticket, b: Ticket, *, user: User | None) -> None:
    """Mark two tickets as related (both ways)."""
    if a.pk == b.pk:
        raise ValidationError({"ticket": [_("A ticket cannot be related to itself.")]})
    with acting_as(_actor(user)), transaction.atomic():
        a.related.add(b)


def unlink_tickets(a: Ticket, b: Ticket, *, user: User | None) -> None:
    with acting_as(_actor(user)), transaction.atomic():
        a.related.remove(b)


def split_message(message: TicketMessage, *, user: User | None, subject: str = "") -> Ticket:
    """Open a new ticket from one customer message (a second problem in the same thread): the
    message and its attachments move to the new ticket, which is related to the old one."""
    if message.kind != MessageKind.CUSTOMER:
        raise ValidationError(
            {"message": [_("Only a customer's message can become a new ticket.")]}
        )
    original = message.ticket
    if original.is_merged:
        raise ValidationError(
            {"message": [_("This ticket was merged; split on the ticket it was merged into.")]}
        )
    actor = _actor(user)
    with acting_as(actor), transaction.atomic():
        new = open_ticket(
            user=user,
            data={
                "subject": subject or original.subject,
                "channel": message.channel or original.channel,
                "contact": original.contact,
                "company": original.company,
                "category": original.category_id,
                "priority": original.priority,
                "requester_name": original.requester_name,
                "requester_email": original.requester_email,
                "requester_phone": original.requester_phone,
            },
        )
        TicketMessage.objects.filter(pk=message.pk).update(ticket=new)
        TicketAttachment.objects.filter(message=message).update(ticket=new)
        message.ticket = new
        Ticket.objects.filter(pk=new.pk).update(last_activity_at=message.created_at)
        new.related.add(original)
        TicketMessage.objects.create(
            ticket=original,
            kind=MessageKind.NOTE,
            author_user=actor,
            body=_("A message was moved to the new ticket %(ref)s.") % {"ref": new.reference},
        )
        TicketMessage.objects.create(
            ticket=new,
            kind=MessageKind.NOTE,
            author_user=actor,
            body=_("Split from %(ref)s.") % {"ref": original.reference},
        )
    return new


# --- Set-up -------------------------------------------------------------------------------------


@transaction.atomic
def move_rule(rule: RoutingRule, *, up: bool) -> None:
    """Swap a routing rule with its neighbour; renumbers so equal orders cannot stick."""
    rules = list(RoutingRule.objects.select_for_update().order_by("order", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.order != position:
            RoutingRule.objects.filter(pk=item.pk).update(order=position)


def next_rule_order() -> int:
    return (RoutingRule.objects.aggregate(m=Max("order"))["m"] or 0) + 1
