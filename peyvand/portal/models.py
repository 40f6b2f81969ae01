"""Customer portal sign-in: one-time codes sent to a contact's e-mail address or mobile."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.contacts.models import Contact


class CodeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class LoginCode(models.Model):
    """One code requested for one address. Only a keyed hash of the code is stored. A request
    for an address no contact has is recorded too (with no contact and nothing sent), so the
    portal answers exactly as for a known address."""

    identifier = models.CharField(max_length=254)  # lower-case e-mail or E.164 phone
    channel = models.CharField(max_length=5, choices=CodeChannel.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["identifier", "-created_at"], name="portal_code_identifier"),
            models.Index(fields=["expires_at"], name="portal_code_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.identifier} {self.created_at:%Y-%m-%d %H:%M}"
