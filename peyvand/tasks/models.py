from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.contacts.models import Company, Contact


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not permissions.has_perm(user, permissions.TASKS, permissions.VIEW):
            return self.none()
        shared = permissions.visible_filter(user, permissions.TASKS, owner_field="assignee")
        # An empty Q means "every task"; OR-ing it with another Q would drop it.
        if not shared:
            return self
        return self.filter(shared | Q(created_by=user))

    def open(self):
        return self.filter(done_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Task(models.Model):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    # Any other record (a deal, a ticket) a later module links a task to.
    related_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    related_id = models.BigIntegerField(null=True, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee_due"),
            models.Index(fields=["contact", "done_at", "due_at"], name="task_contact"),
            models.Index(fields=["company", "done_at", "due_at"], name="task_company"),
            models.Index(fields=["related_type", "related_id"], name="task_related"),
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due",
                condition=Q(reminded_at__isnull=True, done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasks:detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now=None) -> bool:
        return (
            not self.is_done and self.due_at is not None and self.due_at < (now or timezone.now())
        )
