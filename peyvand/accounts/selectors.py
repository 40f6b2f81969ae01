from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from peyvand.core.pagination import KeysetPage, paginate_keyset
from peyvand.core.persian import normalize_text, to_latin_digits

from . import permissions
from .models import ApiToken, ModuleSharing, Notification, Role, Team, User

UNREAD_COUNT_CAP = 99


def permission_map(user: User) -> dict[str, list[str]]:
    """{"contacts": ["view", "add"], ...} for every registered module."""
    return {
        module.code: [a for a in permissions.ACTIONS if permissions.has_perm(user, module.code, a)]
        for module in permissions.modules()
    }


def unread_notification_count(user: User, cap: int = UNREAD_COUNT_CAP) -> int:
    """Unread notifications, counted up to cap + 1 so a long-ignored inbox stays cheap."""
    return (
        Notification.objects.filter(user=user, read_at__isnull=True).values("id")[: cap + 1].count()
    )


def notifications_page(user: User, *, cursor: str | None, limit: int = 30) -> KeysetPage:
    """Unread first, then newest first."""
    qs = Notification.objects.filter(user=user).annotate(
        is_read=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    )
    return paginate_keyset(qs, order=["is_read", "-created_at", "-id"], cursor=cursor, limit=limit)


def user_tokens(user: User, limit: int = 100) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(user=user)
        .only("id", "name", "hint", "created_at", "last_used_at", "revoked_at")
        .order_by("-created_at", "-id")[:limit]
    )


def users_queryset(
    *, q: str = "", team_id: int | None = None, active_only: bool = False
) -> QuerySet:
    qs = User.objects.select_related("team", "role")
    if active_only:
        qs = qs.filter(is_active=True)
    if team_id:
        qs = qs.filter(team_id=team_id)
    for word in to_latin_digits(normalize_text(q)).split()[:5]:
        qs = qs.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return qs


def users_page(
    *,
    q: str = "",
    team_id: int | None = None,
    active_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> KeysetPage:
    return paginate_keyset(
        users_queryset(q=q, team_id=team_id, active_only=active_only),
        order=["username"],
        cursor=cursor,
        limit=limit,
    )


def teams_with_relations() -> list[Team]:
    return list(Team.objects.select_related("parent", "manager").order_by("name"))


def roles_with_user_counts() -> list[Role]:
    from django.db.models import Count

    return list(Role.objects.annotate(user_count=Count("users")).order_by("name"))


def sharing_scopes() -> dict[str, str]:
    """Current scope of every shareable module (modules without a row share with everyone)."""
    stored = dict(ModuleSharing.objects.values_list("module", "scope"))
    return {
        m.code: stored.get(m.code, permissions.SHARE_ALL)
        for m in permissions.modules()
        if m.shareable
    }
