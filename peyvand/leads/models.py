from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.contacts.models import Company, Contact, SourceChannel

LEADS = "leads"
# Web forms, routing rules and scoring rules: set-up work, granted separately from lead work.
LEAD_SETUP = "lead_setup"

# One vocabulary for "where did this person come from" on leads and on contacts.
Channel = SourceChannel


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    CONVERTED = "converted", _("Converted")
    LOST = "lost", _("Lost")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class LostReason(models.TextChoices):
    PRICE = "price", _("Price too high")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_RESPONSE = "no_response", _("Never responded")
    TIMING = "timing", _("Bad timing")
    NOT_INTERESTED = "not_interested", _("No longer interested")
    OTHER = "other", _("Other")


class DisqualifyReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit for our products")
    SPAM = "spam", _("Spam or test")
    DUPLICATE = "duplicate", _("Duplicate")
    INVALID_CONTACT = "invalid_contact", _("Wrong contact details")
    NO_AUTHORITY = "no_authority", _("Not a decision maker")
    OTHER = "other", _("Other")


def close_reason_label(code: str) -> str:
    labels = {**dict(DisqualifyReason.choices), **dict(LostReason.choices)}
    return str(labels.get(code, code))


class Band(models.TextChoices):
    HOT = "hot", _("Hot")
    WARM = "warm", _("Warm")
    COLD = "cold", _("Cold")


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


class LeadForm(models.Model):
    """A web form an administrator designs and pastes on a website."""

    name = models.CharField(_("name"), max_length=120)
    # The per-form key in the public URL; without it a submission is refused.
    key = models.CharField(_("form key"), max_length=40, unique=True, default=new_form_key)
    is_active = models.BooleanField(_("active"), default=True)
    # [{"field": "phone", "label": "...", "required": true}, ...]; fields from FORM_FIELDS.
    fields = models.JSONField(_("fields"), default=list, blank=True)
    consent_text = models.TextField(
        _("consent text"),
        blank=True,
        help_text=_("When set, visitors must tick a box agreeing to it before submitting."),
    )
    submit_label = models.CharField(_("button text"), max_length=60, blank=True)
    success_message = models.CharField(_("thank-you message"), max_length=300, blank=True)
    redirect_url = models.URLField(
        _("redirect after submitting"),
        blank=True,
        help_text=_("Plain HTML forms go here after a successful submission."),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEBSITE
    )
    product = models.CharField(_("product or interest"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fa")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:form_edit", args=[self.pk])


class LeadQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """Leads `user` may see: the module's sharing rule, plus the unassigned queue.

        Leads no rule routed (no owner, no team) are a shared pool that anyone who works leads
        can pick up; under team-only sharing they would otherwise be invisible to all but
        superusers."""
        if not permissions.has_perm(user, LEADS, permissions.VIEW):
            return self.none()
        condition = permissions.visible_filter(user, LEADS)
        if condition and permissions.has_perm(user, LEADS, permissions.CHANGE):
            condition |= Q(owner__isnull=True, team__isnull=True)
        return self.filter(condition)

    def awaiting_first_contact(self):
        return self.open().filter(first_contacted_at__isnull=True)

    def overdue(self, now=None):
        return self.awaiting_first_contact().filter(first_response_due_at__lt=now or timezone.now())


class Lead(models.Model):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    company_size = models.PositiveIntegerField(_("company size (employees)"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("Stored in E.164."))
    email = models.EmailField(_("email"), blank=True)
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    product = models.CharField(_("product or interest"), max_length=120, blank=True)
    message = models.TextField(_("message"), blank=True)

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Form name, event name, referrer or campaign: what a person reads in lists and reports.
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    # Everything else known about the source: UTM tags, page URL, referrer, message id...
    source = models.JSONField(_("source details"), default=dict, blank=True)
    form = models.ForeignKey(
        LeadForm,
        verbose_name=_("web form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    consent = models.BooleanField(_("gave consent"), default=False)
    consent_text = models.TextField(_("consent text"), blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    close_reason = models.CharField(_("reason"), max_length=30, blank=True)
    close_note = models.CharField(_("note on the reason"), max_length=300, blank=True)

    score = models.IntegerField(_("score"), default=0)
    band = models.CharField(_("band"), max_length=10, choices=Band.choices, default=Band.COLD)
    # [{"rule": id, "label": "...", "points": 10, "detail": "..."}] - why the score is what it is.
    score_explanation = models.JSONField(default=list, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    # When the team manager hears about a lead still not contacted (first response due + the
    # same interval again).
    escalation_due_at = models.DateTimeField(null=True, blank=True)
    sla_reminded_at = models.DateTimeField(null=True, blank=True)
    sla_escalated_at = models.DateTimeField(null=True, blank=True)

    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    # The customer record: set by conversion (or linked by hand).
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Near-duplicates (same name and city, different phone and email) wait for a person to decide.
    needs_review = models.BooleanField(_("possible duplicate"), default=False)
    similar_lead = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similar_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Engagement counters read by scoring.
    form_submits = models.PositiveIntegerField(_("form submissions"), default=0)
    email_replies = models.PositiveIntegerField(_("emails received"), default=0)
    events_attended = models.PositiveIntegerField(_("events attended"), default=0)
    inquiries = models.PositiveIntegerField(_("inquiries"), default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_recent"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status"),
            models.Index(fields=["owner", "status", "-id"], name="lead_owner_status"),
            models.Index(fields=["team", "status", "-id"], name="lead_team_status"),
            models.Index(fields=["channel", "-created_at"], name="lead_channel"),
            models.Index(fields=["band", "-id"], name="lead_band"),
            models.Index(fields=["phone"], name="lead_phone", condition=~Q(phone="")),
            models.Index(fields=["email"], name="lead_email", condition=~Q(email="")),
            models.Index(fields=["last_name", "first_name", "city"], name="lead_name_city"),
            models.Index(
                fields=["first_response_due_at"],
                name="lead_sla_due",
                condition=Q(first_contacted_at__isnull=True, first_response_due_at__isnull=False),
            ),
            models.Index(
                fields=["escalation_due_at"],
                name="lead_escalation_due",
                condition=Q(first_contacted_at__isnull=True, sla_escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def display_name(self) -> str:
        return self.full_name or self.company_name or self.email or self.phone or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        return (
            self.is_open
            and self.first_contacted_at is None
            and self.first_response_due_at is not None
            and self.first_response_due_at < (now or timezone.now())
        )

    @property
    def close_reason_label(self) -> str:
        return close_reason_label(self.close_reason) if self.close_reason else ""


class RoutingStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_OPEN = "least_open", _("Fewest open leads")


class AssignmentRule(models.Model):
    """One ordered routing rule: the first active rule whose conditions all hold assigns the lead.

    An empty condition list means "any"."""

    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    cities = models.JSONField(_("cities"), default=list, blank=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    bands = models.JSONField(_("bands"), default=list, blank=True)
    min_score = models.IntegerField(_("minimum score"), null=True, blank=True)
    max_score = models.IntegerField(_("maximum score"), null=True, blank=True)
    forms = models.ManyToManyField(
        LeadForm, verbose_name=_("web forms"), blank=True, related_name="+"
    )
    assign_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    assign_team = models.ForeignKey(
        Team,
        verbose_name=_("assign to team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    strategy = models.CharField(
        _("within the team"),
        max_length=20,
        choices=RoutingStrategy.choices,
        default=RoutingStrategy.ROUND_ROBIN,
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), default=60
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(assign_user__isnull=False, assign_team__isnull=True)
                | Q(assign_user__isnull=True, assign_team__isnull=False),
                name="assignment_rule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamRotation(models.Model):
    """Where round-robin stopped in a team; locked while choosing the next person."""

    team = models.OneToOneField(Team, primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_user_id}"


class LeadAssignment(models.Model):
    """Who got a lead, when, and which rule (or person) decided it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.ForeignKey(
        AssignmentRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    # The rule's name at the time, so history still reads well after the rule is edited.
    rule_name = models.CharField(max_length=120, blank=True)
    strategy = models.CharField(max_length=20, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["lead", "-assigned_at"], name="lead_assignment_lead")]

    def __str__(self) -> str:
        return f"{self.lead_id} -> {self.user_id or self.team_id or '-'}"


class ScoringAttribute(models.TextChoices):
    COMPANY_SIZE = "company_size", _("Company size (employees)")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    PRODUCT = "product", _("Product or interest")
    CHANNEL = "channel", _("Channel")
    HAS_EMAIL = "has_email", _("Has an email address")
    HAS_PHONE = "has_phone", _("Has a phone number")
    HAS_COMPANY = "has_company", _("Gave a company name")
    FORM_SUBMITS = "form_submits", _("Form submissions")
    EMAIL_REPLIES = "email_replies", _("Emails received")
    EVENT_ATTENDANCE = "event_attendance", _("Events attended")
    DAYS_SINCE_ACTIVITY = "days_since_last_activity", _("Days since last activity")


class ScoringOperator(models.TextChoices):
    IS = "is", _("is true")
    IN = "in", _("is one of")
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")


class ScoringRule(models.Model):
    """`points` when the lead's attribute matches; the lead page lists every rule that applied."""

    label = models.CharField(_("label"), max_length=120)
    attribute = models.CharField(_("attribute"), max_length=30, choices=ScoringAttribute.choices)
    operator = models.CharField(_("operator"), max_length=5, choices=ScoringOperator.choices)
    # A number for gte/lte, comma-separated values for "in", empty for "is".
    value = models.CharField(_("value"), max_length=300, blank=True)
    points = models.IntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")

    def __str__(self) -> str:
        return self.label


class IdempotencyKey(models.Model):
    """A capture that already happened, found again by the key its caller sent with it.

    Retries of the same request get the same lead back; the same key with a different request
    is a conflict."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.BooleanField(default=False)
    attached_to = models.CharField(max_length=10, blank=True)
    flagged_near_duplicate = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="lead_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
