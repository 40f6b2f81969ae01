from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, Notification, User, hash_token

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


def issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    return ApiToken.issue(user, name.strip() or "API")


def revoke_api_token(user: User, token_id: int) -> bool:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return False
    token.revoke()
    return True


def notify(user: User | None, text: str, *, url: str = "", dedupe_key: str | None = None) -> Notification | None:
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
