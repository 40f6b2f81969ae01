"""Role-based permissions per module, and record-level sharing.

One check serves pages, API and exports: `has_perm(user, module, action)`. Record visibility is a
queryset filter (`visible_filter`), so lists, search, detail pages and exports enforce it in SQL
instead of checking each row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

VIEW, ADD, CHANGE, DELETE, EXPORT = "view", "add", "change", "delete", "export"
ACTIONS: dict[str, str] = {
    VIEW: _("View"),
    ADD: _("Add"),
    CHANGE: _("Change"),
    DELETE: _("Delete"),
    EXPORT: _("Export"),
}


@dataclass(frozen=True)
class Module:
    code: str
    label: str
    # Whether records of this module have an owner and team, and so can be shared per record.
    shareable: bool = True


_MODULES: dict[str, Module] = {}


def register_module(code: str, label: str, *, shareable: bool = True) -> Module:
    """Later apps (leads, sales, service) register their module here in AppConfig.ready()."""
    module = Module(code, label, shareable)
    _MODULES[code] = module
    return module


def modules() -> list[Module]:
    return list(_MODULES.values())


def get_module(code: str) -> Module:
    return _MODULES[code]


CONTACTS = register_module("contacts", _("Contacts and companies")).code
TIMELINE = register_module("timeline", _("Timeline and interactions")).code
TASKS = register_module("tasks", _("Tasks")).code
REPORTS = register_module("reports", _("Reports"), shareable=False).code
SETTINGS = register_module("settings", _("Users and settings"), shareable=False).code


def has_perm(user, module: str, action: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    role = user.role
    return role is not None and role.allows(module, action)


def permission_required(module: str, action: str) -> Callable:
    """View decorator: sign-in required, then 403 without `action` on `module`."""
    from django.contrib.auth.decorators import login_required

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_perm(request.user, module, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_perm(user, module: str, action: str) -> None:
    if not has_perm(user, module, action):
        raise PermissionDenied(_("You do not have permission to do this."))


# Sharing scopes a module can be set to.
SHARE_ALL = "all"
SHARE_TEAM = "team"
SHARE_HIERARCHY = "hierarchy"
SHARING_SCOPES = [
    (SHARE_ALL, _("Everyone with view permission sees every record")),
    (SHARE_TEAM, _("Team only: members see their team's records")),
    (SHARE_HIERARCHY, _("Owner, plus managers up the team hierarchy")),
]


def sharing_scope(module: str) -> str:
    from .models import ModuleSharing

    return ModuleSharing.scope_for(module)


def visible_filter(user, module: str, *, owner_field: str = "owner", team_field: str = "team") -> Q:
    """A Q object restricting a queryset to the records `user` may see in `module`.

    Callers combine it with their own filters, so the rule is applied once, in SQL."""
    if not has_perm(user, module, VIEW):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    scope = sharing_scope(module)
    if scope == SHARE_ALL:
        return Q()
    if scope == SHARE_TEAM:
        if user.team_id is None:
            return Q(**{f"{owner_field}_id": user.pk})
        return Q(**{f"{team_field}_id": user.team_id}) | Q(**{f"{owner_field}_id": user.pk})
    managed = user.managed_team_ids()
    condition = Q(**{f"{owner_field}_id": user.pk})
    if managed:
        condition |= Q(**{f"{team_field}_id__in": sorted(managed)})
    return condition


def can_see_record(user, module: str, record, **fields) -> bool:
    """The same rule as visible_filter, for a single loaded record (detail pages, API get)."""
    model = type(record)
    return model._default_manager.filter(
        visible_filter(user, module, **fields), pk=record.pk
    ).exists()
