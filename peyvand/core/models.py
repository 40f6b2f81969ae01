from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OutboundMessage(models.Model):
    """The outbox: one e-mail or SMS to send, written in the same transaction as the change that
    causes it and sent afterwards by a job (peyvand.core.outbox). `key` is unique per effect
    ("task-reminder:12:2026-11-23T09:00"), so a job that runs again after a crash finds its
    row already there and queues nothing twice; a row is sent once and marked sent, and a
    failed send is retried later with back-off instead of being lost."""

    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("outbox channel", "E-mail")
        SMS = "sms", pgettext_lazy("outbox channel", "SMS")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbox status", "Not sent yet, will retry")
        SENT = "sent", pgettext_lazy("outbox status", "Sent")
        FAILED = "failed", pgettext_lazy("outbox status", "Could not be sent")

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    # A registered builder makes the message at send time from `builder_args` (a ticket reply
    # with its attachments); without one the stored content below is sent as is.
    builder = models.CharField(max_length=100, blank=True)
    builder_args = models.JSONField(default=dict, blank=True)
    to = models.CharField(max_length=500, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # The content carries a secret (a survey link with its token): blanked once sent.
    secret = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender holds the row until then; a sender killed mid-send leaves it to the next one.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key} ({self.status})"
