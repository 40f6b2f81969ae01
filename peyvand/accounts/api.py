"""/api/v1/accounts: the caller's profile and tokens, and users/teams for assignee pickers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from peyvand.core.pagination import InvalidCursor
from peyvand.core.persian import normalize_text

from . import permissions, selectors, services
from .models import ApiToken, Team, User
from .permissions import login_only

router = Router(tags=["accounts"])


class RoleOut(Schema):
    id: int
    name: str
    label: str


class TeamRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    language: str
    time_zone: str
    is_superuser: bool
    role: RoleOut | None
    team: TeamRef | None
    permissions: dict[str, list[str]]


class MeIn(Schema):
    language: Literal["fa", "en"] | None = None
    time_zone: str | None = Field(None, max_length=64, description='IANA name; "" = the default')
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)


class UserOut(Schema):
    id: int
    name: str
    team: TeamRef | None
    is_available: bool
    # Only for callers with settings.view:
    username: str | None = None
    email: str | None = None
    role: RoleOut | None = None
    is_active: bool | None = None


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class TeamOut(Schema):
    id: int
    name: str
    department: str
    parent_id: int | None
    manager_id: int | None


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)


class NewTokenOut(TokenOut):
    token: str = Field(description="The raw token. Shown only in this response; store it safely.")


def _role(role) -> dict | None:
    return {"id": role.pk, "name": role.name, "label": _(role.name)} if role else None


def _team(team) -> dict | None:
    return {"id": team.pk, "name": team.name} if team else None


def _me(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.get_full_name(),
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone or settings.TIME_ZONE,
        "is_superuser": user.is_superuser,
        "role": _role(user.role),
        "team": _team(user.team),
        "permissions": selectors.permission_map(user),
    }


@router.get("/me", response=MeOut, summary="The signed-in user, role and permissions")
@login_only
def get_me(request):
    return _me(request.user)


@router.patch("/me", response=MeOut, summary="Change your language or name")
@login_only
def patch_me(request, payload: MeIn):
    user = User.objects.select_related("role", "team").get(pk=request.user.pk)
    data = payload.dict(exclude_unset=True)

    def text(field: str) -> str:
        value = data.get(field)
        return getattr(user, field) if value is None else normalize_text(value)

    services.update_profile(
        user,
        first_name=text("first_name"),
        last_name=text("last_name"),
        email=user.email,
        language=data.get("language") or user.language,
        time_zone=data.get("time_zone"),
    )
    return _me(user)


@router.get("/users", response=UserPage, summary="Active users (for assignee pickers)")
@login_only
def list_users(
    request,
    q: str = "",
    team: int | None = None,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Every signed-in user may list active colleagues' id, name and team; usernames, e-mails
    and roles need the settings view permission, which also lists inactive accounts."""
    full = permissions.has_perm(request.user, permissions.SETTINGS, permissions.VIEW)
    limit = max(1, min(limit, settings.API_MAX_PAGE_SIZE))
    try:
        page = selectors.users_page(
            q=q[:100], team_id=team, active_only=not full, cursor=cursor, limit=limit
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    items = []
    for user in page.items:
        item = {
            "id": user.pk,
            "name": user.get_full_name() or user.username,
            "team": _team(user.team),
            "is_available": user.is_available,
        }
        if full:
            item.update(
                username=user.username,
                email=user.email,
                role=_role(user.role),
                is_active=user.is_active,
            )
        items.append(item)
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/teams", response=list[TeamOut], summary="All teams")
@login_only
def list_teams(request):
    return list(
        Team.objects.order_by("name").values("id", "name", "department", "parent_id", "manager_id")
    )


def _token(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
@login_only
def list_tokens(request):
    return [_token(t) for t in selectors.user_tokens(request.user)]


@router.post("/tokens", response={201: NewTokenOut}, summary="Create an API token")
@login_only
def create_token(request, payload: TokenIn):
    name = normalize_text(payload.name)
    if not name:
        raise ValidationError({"name": [_("Enter a name for the token.")]})
    token, raw = services.issue_api_token(request.user, name)
    return Status(201, {**_token(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of your tokens")
@login_only
def revoke_token(request, token_id: int):
    if not services.revoke_api_token(request.user, token_id):
        raise Http404
    return Status(204, None)
