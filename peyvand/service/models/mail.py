"""E-mail threading of tickets: which Message-ID belongs to which ticket message, and a log of
every message received (also the ignored ones), which is what mail-loop protection counts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket, TicketMessage

__all__ = ["InboundMail", "InboundMailStatus", "MailDirection", "TicketMailMessage"]


class MailDirection(models.TextChoices):
    INBOUND = "in", _("Received")
    OUTBOUND = "out", _("Sent")


class TicketMailMessage(models.Model):
    """One e-mail of a ticket's thread, received or sent. A reply names earlier Message-IDs in
    In-Reply-To/References; finding one of them here finds the ticket it answers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mail_messages")
    ticket_message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_messages",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=MailDirection.choices)
    # Without angle brackets, as in core.mail.ParsedEmail.
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    to_address = models.CharField(_("to"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket e-mail")
        verbose_name_plural = _("ticket e-mails")
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="ticket_mail_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.direction} <{self.message_id}>"


class InboundMailStatus(models.TextChoices):
    OPENED = "opened", _("Opened a ticket")
    ADDED = "added", _("Added to a ticket")
    DUPLICATE = "duplicate", _("Already received")
    IGNORED = "ignored", _("Ignored")
    INVALID = "invalid", _("Invalid")


class InboundMail(models.Model):
    """Every message the service mailbox received, with what became of it. Counting a sender's
    recent rows is the mail-loop brake; the reason explains an ignored message to an admin."""

    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    mailbox = models.CharField(_("mailbox"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InboundMailStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received e-mail")
        verbose_name_plural = _("received e-mails")
        indexes = [
            models.Index(fields=["from_address", "-received_at"], name="inbound_mail_sender"),
            models.Index(fields=["-received_at", "-id"], name="inbound_mail_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.from_address} <{self.message_id}>"
