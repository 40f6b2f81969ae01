from __future__ import annotations

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import permissions


class Department(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MANAGEMENT = "management", _("Management")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, default=Department.SALES
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        bump_team_version()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        bump_team_version()
        return result

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.parent_id in self.descendant_ids(include_self=True):
            raise ValidationError(
                {
                    "parent": _(
                        "A team cannot be placed under itself or under one of its own sub-teams."
                    )
                }
            )

    def descendant_ids(self, *, include_self: bool = False) -> set[int]:
        """Ids of every team below this one (one query; team trees are small)."""
        if self.pk is None:
            return set()
        children: dict[int | None, list[int]] = {}
        for team_id, parent_id in Team.objects.values_list("id", "parent_id"):
            children.setdefault(parent_id, []).append(team_id)
        found: set[int] = set()
        stack = list(children.get(self.pk, ()))
        while stack:
            team_id = stack.pop()
            if team_id not in found:
                found.add(team_id)
                stack.extend(children.get(team_id, ()))
        if include_self:
            found.add(self.pk)
        return found


TEAM_VERSION_KEY = "accounts:teams-version"


def team_version() -> int:
    version = cache.get(TEAM_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(TEAM_VERSION_KEY, version, None)
    return version


def bump_team_version() -> None:
    """Managers' cached team trees are keyed by this version, so any team change refreshes them."""
    try:
        cache.incr(TEAM_VERSION_KEY)
    except ValueError:
        cache.set(TEAM_VERSION_KEY, 2, None)


class Role(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    # {"contacts": ["view", "add", ...], ...}: small, read with the user on every request.
    permissions = models.JSONField(_("permissions"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name

    def allows(self, module: str, action: str) -> bool:
        return action in self.permissions.get(module, ())

    def grant(self, module: str, *actions: str) -> None:
        current = set(self.permissions.get(module, ()))
        current.update(actions)
        self.permissions[module] = sorted(current)


def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list, e.g. Asia/Tehran."))


class User(AbstractUser):
    class Language(models.TextChoices):
        PERSIAN = "fa", "فارسی"
        ENGLISH = "en", "English"

    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.PERSIAN
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Empty: the installation's TIME_ZONE. Dates and times on pages and in SLA warnings are shown
    # in this zone; what is stored is always UTC.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    # Routing (leads, tickets) skips people who are away.
    is_available = models.BooleanField(_("available for assignments"), default=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def managed_team_ids(self) -> set[int]:
        """Teams this user manages, with every team below them in the hierarchy."""
        key = f"accounts:managed-teams:{self.pk}:{team_version()}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        children: dict[int | None, list[int]] = {}
        managed: list[int] = []
        for team_id, parent_id, manager_id in Team.objects.values_list(
            "id", "parent_id", "manager_id"
        ):
            children.setdefault(parent_id, []).append(team_id)
            if manager_id == self.pk:
                managed.append(team_id)
        result: set[int] = set()
        stack = list(managed)
        while stack:
            team_id = stack.pop()
            if team_id in result:
                continue
            result.add(team_id)
            stack.extend(children.get(team_id, ()))
        cache.set(key, result, 30)
        return result

    def has_module_perm(self, module: str, action: str) -> bool:
        return permissions.has_perm(self, module, action)


class ModuleSharing(models.Model):
    module = models.CharField(_("module"), max_length=40, unique=True)
    scope = models.CharField(
        _("who sees a record"),
        max_length=20,
        choices=permissions.SHARING_SCOPES,
        default=permissions.SHARE_ALL,
    )

    class Meta:
        verbose_name = _("module sharing")
        verbose_name_plural = _("module sharing")

    def __str__(self) -> str:
        return f"{self.module}: {self.scope}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(f"accounts:sharing:{self.module}")

    @classmethod
    def scope_for(cls, module: str) -> str:
        key = f"accounts:sharing:{module}"
        scope = cache.get(key)
        if scope is None:
            scope = (
                cls.objects.filter(module=module).values_list("scope", flat=True).first()
                or permissions.SHARE_ALL
            )
            cache.set(key, scope, 30)
        return scope


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is safe and keeps every API call cheap.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    PREFIX = "pv_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters, shown in the UI so a user can tell tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, hint=raw[:10], digest=hash_token(raw))
        return token, raw

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class Notification(models.Model):
    """An in-app message to one user (reminders, assignments, mentions)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Makes delivery idempotent: a retried background job does not notify twice.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notif_user_unread")
        ]

    def __str__(self) -> str:
        return self.text
