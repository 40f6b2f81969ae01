"""A file produced in the background: a large list export or a full-account export."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def export_path(instance: ExportFile, filename: str) -> str:
    # An unguessable name: the file is only handed out by the download view, but the name must
    # not be enumerable should the media directory ever be served directly.
    return f"exports/{timezone.now():%Y/%m}/{secrets.token_hex(12)}-{filename}"


class ExportFile(models.Model):
    class Kind(models.TextChoices):
        LIST = "list", _("List")
        ACCOUNT = "account", _("Full account")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=pgettext_lazy("export model field", "user"),
    )
    kind = models.CharField(
        pgettext_lazy("export model field", "kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.LIST,
    )
    list_code = models.CharField(
        pgettext_lazy("export model field", "list"), max_length=40, blank=True
    )
    format = models.CharField(
        pgettext_lazy("export model field", "format"), max_length=5, blank=True
    )
    # The list's filters as a query string, so the background job applies exactly what the
    # user saw; the language fixes the calendar of dates in the file.
    query = models.TextField(_("filters"), blank=True)
    language = models.CharField(
        pgettext_lazy("export model field", "language"), max_length=5, default="fa"
    )
    iso_dates = models.BooleanField(default=False)
    status = models.CharField(
        pgettext_lazy("export model field", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
    )
    file = models.FileField(
        pgettext_lazy("export model field", "file"), upload_to=export_path, blank=True
    )
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.CharField(
        pgettext_lazy("export model field", "error"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(
        pgettext_lazy("export model field", "created"), default=timezone.now
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["user", "-created_at"], name="export_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.list_code or '-'}:{self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)
