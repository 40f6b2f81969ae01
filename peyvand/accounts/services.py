from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import permissions
from .models import (
    ApiToken,
    ModuleSharing,
    Notification,
    Role,
    Team,
    User,
    hash_token,
    validate_time_zone,
)
from .roles import DEFAULT_ROLES

# last_used_at is informational; writing it on every request would make each API read a write.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def authenticate_api_token(raw: str) -> User | None:
    if not raw or not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "user__role")
        .filter(digest=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class ApiRateLimited(Exception):
    """A token made more requests than API_RATE_LIMIT within the current window."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def enforce_api_rate_limit(raw: str) -> None:
    """Count one request of this token; ApiRateLimited when over the limit.

    A fixed window per token in the shared cache (every web process sees the same counter):
    a leaked or runaway token cannot flood the database, and other tokens are unaffected."""
    from django.conf import settings
    from django.core.cache import cache

    limit = settings.API_RATE_LIMIT
    window = settings.API_RATE_WINDOW_SECONDS
    if not limit:
        return
    now = int(timezone.now().timestamp())
    start = now - now % window
    key = f"accounts:api-rate:{hash_token(raw)[:32]}:{start}"
    cache.add(key, 0, window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, window + 5)
        count = 1
    if count > limit:
        raise ApiRateLimited(retry_after=max(1, start + window - now))


def issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    return ApiToken.issue(user, name.strip() or "API")


def revoke_api_token(user: User, token_id: int) -> bool:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return False
    token.revoke()
    return True


def notify(
    user: User | None, text: str, *, url: str = "", dedupe_key: str | None = None
) -> Notification | None:
    """Put a message in a user's in-app inbox. With a dedupe_key, a retried job notifies once."""
    if user is None:
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, text=text[:300], url=url[:300], dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None


def mark_notifications_read(user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def set_language(user: User, language: str) -> None:
    if language in dict(User.Language.choices) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def update_profile(
    user: User,
    *,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
    time_zone: str | None = None,
) -> User:
    """`time_zone` None keeps the current one; "" means the installation's default."""
    user.first_name, user.last_name, user.email = first_name, last_name, email
    if language in dict(User.Language.choices):
        user.language = language
    if time_zone is not None:
        try:
            validate_time_zone(time_zone)
        except ValidationError as error:
            raise ValidationError({"time_zone": error.messages}) from error
        user.time_zone = time_zone
    user.save(update_fields=["first_name", "last_name", "email", "language", "time_zone"])
    return user


@transaction.atomic
def save_user(user: User, *, password: str | None = None) -> User:
    """Create or update a user from the settings pages; a password is set only when given."""
    if password:
        user.set_password(password)
    elif user.pk is None:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def save_team(team: Team) -> Team:
    """Saves after `full_clean`, which rejects a parent that would make the hierarchy a cycle."""
    team.full_clean()
    team.save()
    return team


def clean_grants(grants: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Only registered modules and known actions, each list sorted and without duplicates."""
    known = {m.code for m in permissions.modules()}
    return {
        module: sorted({a for a in actions if a in permissions.ACTIONS})
        for module, actions in grants.items()
        if module in known
    }


@transaction.atomic
def save_role(role: Role, *, name: str, grants: Mapping[str, Iterable[str]]) -> Role:
    """Replace the grants of every registered module. Grants for modules that are not
    registered right now (an app switched off) are kept, so turning it back on restores them."""
    known = {m.code for m in permissions.modules()}
    kept = {m: a for m, a in (role.permissions or {}).items() if m not in known}
    cleaned = {m: a for m, a in clean_grants(grants).items() if a}
    role.name = name
    role.permissions = {**kept, **cleaned}
    role.save()
    return role


def set_module_sharing(module: str, scope: str) -> ModuleSharing:
    if scope not in dict(permissions.SHARING_SCOPES):
        raise ValueError(f"unknown sharing scope {scope!r}")
    sharing, _ = ModuleSharing.objects.update_or_create(module=module, defaults={"scope": scope})
    return sharing


def administrator_role() -> Role:
    name = "Administrator"
    role, _ = Role.objects.get_or_create(name=name, defaults={"permissions": DEFAULT_ROLES[name]})
    return role


@transaction.atomic
def ensure_admin(
    username: str, *, password: str | None = None, email: str = ""
) -> tuple[User, bool]:
    """Create or update an administrator (role Administrator, superuser): (user, created)."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    user.role = administrator_role()
    user.is_superuser = True
    user.is_staff = True
    user.is_active = True
    if email:
        user.email = email
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    return user, created


def attribute_changes_to(user: User) -> None:
    """Record `user` as the actor of audit-log entries written during the current request.

    AuditlogMiddleware captures request.user before the view runs; API requests authenticated by
    a bearer token only get their user inside the API's auth class, after that. The middleware
    keeps its per-request data in a context variable that its pre_save receiver reads when a log
    entry is written, so setting the actor there attributes the rest of the request to `user`.
    Outside a request (no middleware context) there is nothing to attribute and this does nothing.
    test_audit.py guards this against changes in django-auditlog."""
    from auditlog.context import auditlog_value

    context = auditlog_value.get(None)
    if isinstance(context, dict):
        context["actor"] = user


def user_exists(username: str) -> bool:
    return User.objects.filter(username=username).exists()
