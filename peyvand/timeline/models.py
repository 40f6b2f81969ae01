from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.contacts.models import Company, Contact

from .registry import EntryKind, entry_kind_or_fallback


def recording_path(instance: TimelineEntry, filename: str) -> str:
    # Random names: an uploaded file name never reaches the file system or a URL.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"recordings/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    VOICEMAIL = "voicemail", _("Voicemail")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALLBACK_REQUESTED = "callback_requested", _("Callback requested")


class TimelineQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Entries inherit the visibility of the customer record they belong to.
        contact_q = permissions.visible_filter(
            user, permissions.CONTACTS, owner_field="contact__owner", team_field="contact__team"
        )
        company_q = permissions.visible_filter(
            user, permissions.CONTACTS, owner_field="company__owner", team_field="company__team"
        )
        if not permissions.has_perm(user, permissions.TIMELINE, permissions.VIEW):
            return self.none()
        return self.filter(contact_q | company_q) if (contact_q or company_q) else self

    def for_contact(self, contact):
        return self.filter(contact=contact)

    def for_company(self, company):
        return self.filter(company=company)


class TimelineEntry(models.Model):
    """One interaction or event on a customer's timeline.

    The kind is a code registered in `peyvand.timeline.registry`; later modules (deals, orders,
    tickets, surveys, loyalty) register their own kinds and point `source` at their record."""

    kind = models.CharField(_("kind"), max_length=40)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, blank=True
    )
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    recording = models.FileField(_("recording"), upload_to=recording_path, blank=True)
    recording_name = models.CharField(max_length=200, blank=True)
    # Detected from the file's first bytes on upload; served as the response's Content-Type.
    recording_content_type = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.BigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TimelineQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="timeline_contact"),
            models.Index(fields=["company", "-occurred_at", "-id"], name="timeline_company"),
            models.Index(fields=["source_type", "source_id"], name="timeline_source"),
            models.Index(fields=["-occurred_at", "-id"], name="timeline_recent"),
        ]

    def __str__(self) -> str:
        return self.subject or self.kind

    @property
    def kind_info(self) -> EntryKind:
        return entry_kind_or_fallback(self.kind)

    @property
    def outcome_label(self) -> str:
        try:
            return CallOutcome(self.outcome).label
        except ValueError:
            return self.outcome

    def get_recording_url(self) -> str:
        return reverse("timeline:recording", args=[self.pk]) if self.recording else ""
