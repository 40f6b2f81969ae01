"""Tickets and their conversation, support tiers, categories, routing rules and escalations."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.contacts.models import Company, Contact, Tag

__all__ = [
    "ACTIVE_STATUSES",
    "SERVICE_SETUP",
    "TICKETS",
    "AssignStrategy",
    "Escalation",
    "EscalationDirection",
    "MessageKind",
    "RoutingRule",
    "RuleFiring",
    "SupportTier",
    "Ticket",
    "TicketAttachment",
    "TicketCategory",
    "TicketChannel",
    "TicketMessage",
    "TicketPriority",
    "TicketStatus",
    "TicketTeamRotation",
    "ticket_reference",
]

TICKETS = "tickets"
# Tiers, categories and routing rules: set-up work, granted separately from ticket work.
SERVICE_SETUP = "service_setup"


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")
    SOCIAL = "social", _("Social media")
    IN_PERSON = "in_person", _("In person")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for a third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Statuses that sit in a queue: someone still has work (or waiting) to do.
ACTIVE_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.WAITING_THIRD_PARTY,
    TicketStatus.REOPENED,
)


def ticket_reference(number: int | None) -> str:
    return f"T-{number:06d}" if number else ""


class SupportTier(models.Model):
    """A support level (L1, L2, L3...). `level` orders them: escalation moves to a higher one."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Where an escalated ticket goes when nobody names a team.
    default_team = models.ForeignKey(
        Team,
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["level", "id"]
        verbose_name = _("support tier")
        verbose_name_plural = _("support tiers")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}" if self.name and self.name != self.code else self.code


class TicketCategory(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def visible_to(self, user):
        """Tickets `user` may see: the module's sharing rule (assignee/team), plus the
        unassigned pool, which everyone who works tickets must be able to pick up from."""
        if not permissions.has_perm(user, TICKETS, permissions.VIEW):
            return self.none()
        condition = permissions.visible_filter(
            user, TICKETS, owner_field="assignee", team_field="team"
        )
        if condition and permissions.has_perm(user, TICKETS, permissions.CHANGE):
            condition |= Q(assignee__isnull=True, team__isnull=True)
        return self.filter(condition)


class Ticket(models.Model):
    # Equal to the id (set right after the insert); shown as the reference "T-000123".
    number = models.PositiveBigIntegerField(_("number"), unique=True, null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    # Who wrote in when no contact is known yet (an unknown e-mail sender, a walk-in).
    requester_name = models.CharField(_("requester name"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester email"), blank=True)
    requester_phone = models.CharField(
        _("requester phone"), max_length=20, blank=True, help_text=_("Stored in E.164.")
    )

    channel = models.CharField(_("channel"), max_length=20, choices=TicketChannel.choices)
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "commerce.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    tier = models.ForeignKey(
        SupportTier,
        verbose_name=_("support tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    # The opening message's id in its channel (an e-mail Message-ID, an API client's key).
    external_ref = models.CharField(_("external reference"), max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("related tickets"), blank=True, symmetrical=True
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status"),
            models.Index(
                fields=["assignee", "status", "-last_activity_at", "-id"], name="ticket_assignee"
            ),
            models.Index(fields=["team", "status", "-last_activity_at", "-id"], name="ticket_team"),
            models.Index(
                fields=["-created_at", "-id"],
                name="ticket_unassigned",
                condition=Q(assignee__isnull=True)
                & Q(
                    status__in=[
                        "new",
                        "open",
                        "waiting_customer",
                        "waiting_third_party",
                        "reopened",
                    ]
                ),
            ),
            models.Index(fields=["tier", "status", "-created_at", "-id"], name="ticket_tier"),
            models.Index(fields=["priority", "status", "-created_at", "-id"], name="ticket_prio"),
            models.Index(fields=["channel", "-created_at", "-id"], name="ticket_channel"),
            models.Index(fields=["category", "-created_at", "-id"], name="ticket_category"),
            models.Index(fields=["contact", "-created_at", "-id"], name="ticket_contact"),
            models.Index(fields=["company", "-created_at", "-id"], name="ticket_company"),
            models.Index(
                fields=["external_ref"], name="ticket_external_ref", condition=~Q(external_ref="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}".strip()

    def get_absolute_url(self) -> str:
        return reverse("service:ticket", args=[self.pk])

    @property
    def reference(self) -> str:
        return ticket_reference(self.number or self.pk)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def requester_display(self) -> str:
        if self.contact_id:
            return str(self.contact)
        return self.requester_name or self.requester_email or self.requester_phone


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    CUSTOMER = "customer", _("Customer message")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_contact = models.ForeignKey(
        Contact,
        verbose_name=_("from customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("text"))
    channel = models.CharField(_("via"), max_length=20, choices=TicketChannel.choices, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # The e-mail Message-ID (or another channel's id) this message came or went as.
    message_id = models.CharField(max_length=255, blank=True)
    # The ticket this message was written on, when a merge moved it here.
    merged_from = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ticket_message_ticket"),
            models.Index(
                fields=["message_id"], name="ticket_message_msgid", condition=~Q(message_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE

    @property
    def author_display(self) -> str:
        if self.author_user_id:
            return str(self.author_user)
        if self.author_contact_id:
            return str(self.author_contact)
        return ""


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    # Random names: an uploaded file name never reaches the file system or a URL.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"tickets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class TicketAttachment(models.Model):
    """A file on a ticket (or one of its messages); served only through a view that checks
    who may see the ticket, never from MEDIA_URL."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    # Detected from the file's first bytes on upload; served as the response's Content-Type.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:attachment", args=[self.pk])


class AssignStrategy(models.TextChoices):
    NONE = "", _("Leave in the team's queue")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Fewest open tickets")


class RoutingRule(models.Model):
    """One ordered rule: every active rule whose conditions all hold fires, in order, and sets
    what it sets (later rules override earlier ones); `stop` ends the run. Conditions see the
    ticket as earlier rules left it. An empty condition means "any"."""

    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    stop = models.BooleanField(_("stop after this rule"), default=False)

    # Conditions.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    categories = models.ManyToManyField(
        TicketCategory, verbose_name=_("categories"), blank=True, related_name="+"
    )
    products = models.ManyToManyField(
        "commerce.Product", verbose_name=_("products"), blank=True, related_name="+"
    )
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    # Any of these words or phrases in the subject or the description (Persian-aware).
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    lifecycle_stages = models.JSONField(_("customer lifecycle stages"), default=list, blank=True)
    # The customer (contact or company) has any of these tags, e.g. "VIP".
    customer_tags = models.JSONField(_("customer tags"), default=list, blank=True)

    # Actions.
    set_tier = models.ForeignKey(
        SupportTier,
        verbose_name=_("set tier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_team = models.ForeignKey(
        Team,
        verbose_name=_("send to team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_priority = models.CharField(
        _("set priority"), max_length=10, choices=TicketPriority.choices, blank=True
    )
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    strategy = models.CharField(
        _("assign within the team"),
        max_length=20,
        choices=AssignStrategy.choices,
        blank=True,
        default=AssignStrategy.NONE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class TicketTeamRotation(models.Model):
    """Where round-robin stopped in a team; locked while choosing the next agent."""

    team = models.OneToOneField(Team, primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_user_id}"


class RuleFiring(models.Model):
    """A routing rule that fired on a ticket, and what it set."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rule_firings")
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="firings"
    )
    # The rule's name at the time, so history still reads well after the rule is edited.
    rule_name = models.CharField(max_length=120)
    # {"tier": "L2", "team": "...", "priority": "high", "tags": [...], "assignee": "..."}
    changes = models.JSONField(default=dict, blank=True)
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fired_at", "id"]
        indexes = [models.Index(fields=["ticket", "fired_at", "id"], name="rule_firing_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rule_name}"


class EscalationDirection(models.TextChoices):
    UP = "up", _("Escalated")
    DOWN = "down", _("De-escalated")


class Escalation(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    from_tier = models.ForeignKey(
        SupportTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_tier = models.ForeignKey(
        SupportTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=EscalationDirection.choices)
    reason = models.TextField(_("reason"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="escalation_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_tier_id} → {self.to_tier_id}"
