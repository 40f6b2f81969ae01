from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.core.persian import is_persian_language


class LifecycleStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    LOYAL = "loyal", _("Loyal")
    CHURNED = "churned", _("Churned")


class SourceChannel(models.TextChoices):
    WEBSITE = "website", _("Website form")
    PHONE = "phone", _("Phone call")
    INSTAGRAM = "instagram", _("Instagram")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LINKEDIN = "linkedin", _("LinkedIn")
    EVENT = "event", _("Event or seminar")
    EMAIL = "email", _("Email")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER = "other", _("Other")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    """Shared by contacts and companies: both are customer records with an owner and a team."""

    def alive(self):
        return self.filter(merged_into__isnull=True, deleted_at__isnull=True)

    def visible_to(self, user):
        return self.alive().filter(permissions.visible_filter(user, permissions.CONTACTS))

    def in_stage(self, stage: str):
        return self.filter(lifecycle_stage=stage)


class CustomerRecord(models.Model):
    """Fields every customer record (person or company) has."""

    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
    )
    source = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel.choices, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
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
    notes = models.TextField(_("notes"), blank=True)
    # Denormalised for lists, so a list page never joins phones/emails.
    primary_phone = models.CharField(_("phone"), max_length=20, blank=True)
    primary_email = models.CharField(_("email"), max_length=254, blank=True)
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    # Derived from the timeline by the timeline app.
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    # Set when this record was merged into another; the record is kept for history and undo.
    # Indexed only where set (see Meta): nearly every row is NULL, and a full index on it lures
    # SQLite's planner into scanning it and sorting the whole table for every list page.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_records",
        db_index=False,
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the right-to-be-forgotten erasure (contacts.privacy): the row stays, anonymised, so
    # orders, deals and tickets keep their figures; it is never restored or shown in the trash.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        abstract = True


class Company(CustomerRecord):
    name = models.CharField(_("name"), max_length=200)
    name_latin = models.CharField(_("Latin name"), max_length=200, blank=True)
    national_id = models.CharField(_("company national ID"), max_length=11, blank=True)
    economic_code = models.CharField(_("economic code"), max_length=12, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="company_recent"),
            models.Index(fields=["name", "id"], name="company_name"),
            models.Index(
                fields=["owner", "lifecycle_stage", "-created_at", "-id"],
                name="company_owner_stage",
            ),
            models.Index(fields=["team", "-created_at", "-id"], name="company_team"),
            models.Index(fields=["-updated_at", "-id"], name="company_updated"),
            models.Index(
                fields=["national_id"], name="company_national_id", condition=~Q(national_id="")
            ),
            models.Index(
                fields=["merged_into"],
                name="company_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # The trash page: only the few deleted rows are indexed.
            models.Index(
                fields=["-deleted_at", "-id"],
                name="company_trash",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:company_detail", args=[self.pk])


class Contact(CustomerRecord):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name_latin = models.CharField(_("first name (Latin)"), max_length=100, blank=True)
    last_name_latin = models.CharField(_("last name (Latin)"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    national_id = models.CharField(_("national ID"), max_length=10, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    consent_email = models.BooleanField(_("agrees to email"), default=False)
    consent_sms = models.BooleanField(_("agrees to SMS"), default=False)
    consent_call = models.BooleanField(_("agrees to calls"), default=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    companies = models.ManyToManyField(
        Company,
        through="Membership",
        verbose_name=_("companies"),
        related_name="people",
        blank=True,
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        # Each filter's index ends in the default list order (newest first), so a filtered
        # page is read off the index instead of sorting every matching row.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="contact_recent"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name"),
            models.Index(
                fields=["owner", "lifecycle_stage", "-created_at", "-id"],
                name="contact_owner_stage",
            ),
            models.Index(fields=["lifecycle_stage", "-created_at", "-id"], name="contact_stage"),
            models.Index(fields=["team", "-created_at", "-id"], name="contact_team"),
            models.Index(fields=["province", "-created_at", "-id"], name="contact_province"),
            models.Index(fields=["source", "-created_at", "-id"], name="contact_source"),
            models.Index(fields=["-last_contacted_at", "-id"], name="contact_last_contacted"),
            models.Index(fields=["-updated_at", "-id"], name="contact_updated"),
            models.Index(
                fields=["national_id"], name="contact_national_id", condition=~Q(national_id="")
            ),
            models.Index(
                fields=["merged_into"],
                name="contact_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # The trash page: only the few deleted rows are indexed.
            models.Index(
                fields=["-deleted_at", "-id"],
                name="contact_trash",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def full_name_latin(self) -> str:
        return " ".join(part for part in (self.first_name_latin, self.last_name_latin) if part)


class ContactPoint(models.Model):
    """A phone, email or address belongs to exactly one contact or one company."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="%(class)s_one_owner",
            )
        ]

    @property
    def owner_record(self):
        return self.contact or self.company

    def get_additional_data(self) -> dict:
        # Stored on each audit log entry, so a record's history still lists a phone after the
        # phone was deleted or moved by a merge.
        return {"contact_id": self.contact_id, "company_id": self.company_id}


class Phone(ContactPoint):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        WORK = "work", _("Work")
        HOME = "home", _("Home")
        FAX = "fax", _("Fax")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=20, help_text=_("Stored in E.164."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)

    class Meta(ContactPoint.Meta):
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        indexes = [models.Index(fields=["number"], name="phone_number")]
        # A merge relies on these to skip a number the survivor already has.
        constraints = [
            *ContactPoint.Meta.constraints,
            models.UniqueConstraint(fields=["contact", "number"], name="phone_unique_contact"),
            models.UniqueConstraint(fields=["company", "number"], name="phone_unique_company"),
        ]

    def __str__(self) -> str:
        return self.number


class Email(ContactPoint):
    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        PERSONAL = "personal", _("Personal")
        OTHER = "other", _("Other")

    address = models.EmailField(_("email"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.WORK, blank=True
    )

    class Meta(ContactPoint.Meta):
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [models.Index(fields=["address"], name="email_address")]
        constraints = [
            *ContactPoint.Meta.constraints,
            models.UniqueConstraint(fields=["contact", "address"], name="email_unique_contact"),
            models.UniqueConstraint(fields=["company", "address"], name="email_unique_company"),
        ]

    def __str__(self) -> str:
        return self.address


class Address(ContactPoint):
    class Kind(models.TextChoices):
        HOME = "home", _("Home")
        WORK = "work", _("Work")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WORK)
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    line = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)

    class Meta(ContactPoint.Meta):
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = list(dict.fromkeys(p for p in (self.province, self.city, self.line) if p))
        return ("، " if is_persian_language() else ", ").join(parts)


class Membership(models.Model):
    """A person's role at a company."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    title = models.CharField(_("role or title"), max_length=120, blank=True)
    is_primary = models.BooleanField(_("primary company"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company membership")
        verbose_name_plural = _("company memberships")
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.company}"

    def get_additional_data(self) -> dict:
        return {"contact_id": self.contact_id, "company_id": self.company_id}


class MergeRecord(models.Model):
    """What a merge moved, so it can be shown and undone."""

    kind = models.CharField(max_length=10, choices=[("contact", "contact"), ("company", "company")])
    survivor_id = models.BigIntegerField()
    merged_id = models.BigIntegerField()
    # {"field": old_value} overwritten on the survivor, and [[app_label.model, field, [ids]]] moved.
    overwritten = models.JSONField(default=dict)
    moved = models.JSONField(default=list)
    # Rows left on the duplicate because the survivor already had an equal one (unique
    # constraints), [[app_label.model, field, [ids]]]; moved rows whose "primary" flag was cleared
    # because the survivor already had a primary one, [[app_label.model, [ids]]]; tag ids added.
    skipped = models.JSONField(default=list)
    demoted = models.JSONField(default=list)
    tags_added = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        indexes = [models.Index(fields=["kind", "survivor_id"], name="merge_survivor")]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_id} → {self.survivor_id}"
