from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peyvand.accounts.permissions import CHANGE, VIEW, has_perm

from . import registry

IMPORTS = "imports"
# A "running" job whose worker has not reported for this long is presumed dead (resumable).
STALE_AFTER = timedelta(minutes=10)


STORED_FORMATS = frozenset({"csv", "xlsx", "vcf"})


def upload_path(instance: ImportJob, filename: str) -> str:
    # Random names with the extension of the format the content was read as (csv, xlsx, vcf),
    # never the sender's: the original name is kept in a field, never used as a path.
    suffix = f".{instance.file_format}" if instance.file_format in STORED_FORMATS else ""
    day = timezone.now()
    return f"imports/{day:%Y/%m}/{secrets.token_hex(16)}{suffix}"


def report_path(instance: ImportJob, filename: str) -> str:
    day = timezone.now()
    return f"imports/reports/{day:%Y/%m}/{secrets.token_hex(16)}.csv"


class ExternalReference(models.Model):
    """A record's id in another system, so importing the same source again is idempotent."""

    target = models.CharField(max_length=40)
    source = models.CharField(max_length=100)
    external_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "source", "external_id"], name="imports_external_unique"
            )
        ]
        indexes = [models.Index(fields=["target", "object_id"], name="imports_external_object")]

    def __str__(self) -> str:
        return f"{self.target}:{self.source}:{self.external_id} -> {self.object_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", pgettext_lazy("import status", "Uploaded")
    MAPPED = "mapped", pgettext_lazy("import status", "Mapped")
    QUEUED = "queued", pgettext_lazy("import status", "Queued")
    RUNNING = "running", pgettext_lazy("import status", "Running")
    DONE = "done", pgettext_lazy("import status", "Done")
    FAILED = "failed", pgettext_lazy("import status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("import status", "Cancelled")
    UNDONE = "undone", pgettext_lazy("import status", "Undone")


# Before the run: the wizard may still change target and mapping.
EDITABLE_STATUSES = (ImportStatus.UPLOADED, ImportStatus.MAPPED)
# A job in one of these can be resumed from its checkpoint.
RESUMABLE_STATUSES = (
    ImportStatus.QUEUED,
    ImportStatus.RUNNING,
    ImportStatus.FAILED,
    ImportStatus.CANCELLED,
)
FINISHED_STATUSES = (
    ImportStatus.DONE,
    ImportStatus.FAILED,
    ImportStatus.CANCELLED,
    ImportStatus.UNDONE,
)


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """Users see their own imports; those who may change imports see everyone's."""
        if not has_perm(user, IMPORTS, VIEW):
            return self.none()
        if user.is_superuser or has_perm(user, IMPORTS, CHANGE):
            return self
        return self.filter(Q(user=user))


class ImportJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    target = models.CharField(_("import into"), max_length=40, blank=True)
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10, blank=True)  # csv / xlsx / vcf
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # {header text: field name}; unmapped headers are absent.
    mapping = models.JSONField(default=dict, blank=True)
    # {"mode": registry.SKIP..., "source": "old-crm", "calendar": "auto"}
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(pgettext_lazy("import", "rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(pgettext_lazy("import count", "created"), default=0)
    updated_count = models.PositiveIntegerField(pgettext_lazy("import count", "updated"), default=0)
    skipped_count = models.PositiveIntegerField(pgettext_lazy("import count", "skipped"), default=0)
    failed_count = models.PositiveIntegerField(pgettext_lazy("import count", "failed"), default=0)
    # The file row number (header = 1) of the last row whose batch was committed.
    checkpoint = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error_report = models.FileField(upload_to=report_path, blank=True)
    message = models.TextField(blank=True)  # why the job failed / the undo result
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="imports_job_user"),
            models.Index(fields=["status"], name="imports_job_status"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("imports:job", args=[self.pk])

    @property
    def target_obj(self) -> registry.ImportTarget | None:
        try:
            return registry.get_target(self.target)
        except KeyError:
            return None

    @property
    def target_label(self) -> str:
        target = self.target_obj
        return str(target.label) if target else self.target

    @property
    def mode(self) -> str:
        return self.options.get("mode", registry.SKIP)

    @property
    def source(self) -> str:
        return self.options.get("source", "")

    @property
    def calendar(self) -> str:
        return self.options.get("calendar", registry.AUTO)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def is_stale(self) -> bool:
        """Running or queued, but no worker has reported for STALE_AFTER: presumed dead."""
        beat = self.heartbeat_at or self.started_at or self.created_at
        return beat is None or timezone.now() - beat > STALE_AFTER

    @property
    def can_resume(self) -> bool:
        if self.status in (ImportStatus.FAILED, ImportStatus.CANCELLED):
            return True
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and self.is_stale

    @property
    def can_undo(self) -> bool:
        return (
            self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
            and (self.created_count or self.updated_count) > 0
        )


class ImportedRecord(models.Model):
    """What one row did, kept for undo: the created or updated record and the values it had."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    row_number = models.PositiveIntegerField()
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10)  # registry.CREATED / registry.UPDATED
    previous = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "action", "id"], name="imports_record_job")]

    def __str__(self) -> str:
        return f"{self.action} #{self.object_id}"


class SavedMapping(models.Model):
    """A reusable header -> field mapping for files that come in the same shape every time."""

    name = models.CharField(_("name"), max_length=120)
    target = models.CharField(_("import into"), max_length=40)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        constraints = [
            models.UniqueConstraint(fields=["target", "name"], name="imports_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class FailedRow(models.Model):
    """A row that was not imported, with its original cells: the error report is built from these
    (written in the batch's transaction, so a resumed import never reports a row twice)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="failed_rows")
    row_number = models.PositiveIntegerField()
    cells = models.JSONField(default=list)
    # {field name or "__all__": [messages]}
    errors = models.JSONField(default=dict)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="imports_failed_job_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}"
