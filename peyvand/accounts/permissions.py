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


# --- Route access declarations -----------------------------------------------------------
# Every page view and API operation declares who may call it, so that the permission matrix
# test (accounts/tests/test_permission_matrix.py) can derive the expected answer for every role
# and check it by making the request. The declaration is an attribute on the view function;
# `functools.wraps` copies it outward through the other decorators (require_POST, login_required).

ACCESS_ATTR = "peyvand_access"

PERMISSION = "permission"  # signed-in staff with every permission in `requires`
LOGIN = "login"  # any signed-in staff user, whatever their role
PORTAL = "portal"  # a customer signed in to the portal (never a staff user)
PUBLIC = "public"  # anyone: sign-in pages, hosted web forms, survey links


# One requirement is satisfied by any of its (module, action) pairs; a route needs all of its
# requirements.
Requirement = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Access:
    kind: str
    # Needed for every method.
    requires: tuple[Requirement, ...] = ()
    # Needed in addition for unsafe methods (POST/PUT/PATCH/DELETE), e.g. a page anyone with
    # `view` may open but only `change` may submit.
    requires_to_write: tuple[Requirement, ...] = ()
    # For routes whose module comes from the URL (an export of list <code>): kwargs -> more
    # requirements.
    requires_for_args: Callable[[dict], list[Requirement]] | None = None

    def allows(self, user, *, write: bool = False, kwargs: dict | None = None) -> bool:
        """What the route should answer `user` (a staff user; portal and public aside)."""
        needed = list(self.requires)
        if write:
            needed += self.requires_to_write
        if self.requires_for_args is not None:
            needed += self.requires_for_args(kwargs or {})
        return all(any(has_perm(user, m, a) for m, a in requirement) for requirement in needed)


def route_access(view: Callable) -> Access | None:
    """The declaration of a view function, or None when the route declares nothing.

    Class-based views are declared on the class (`as_view()` keeps it as `view_class`)."""
    access = getattr(view, ACCESS_ATTR, None)
    if access is None and hasattr(view, "view_class"):
        access = getattr(view.view_class, ACCESS_ATTR, None)
    return access


def _declare(
    view: Callable, kind: str, requires=(), requires_to_write=(), requires_for_args=None
) -> Callable:
    previous = route_access(view)
    if previous is not None:
        if previous.kind != kind:
            raise TypeError(f"{view.__qualname__}: declared both {previous.kind} and {kind}")
        requires = tuple(dict.fromkeys(previous.requires + tuple(requires)))
        requires_to_write = tuple(
            dict.fromkeys(previous.requires_to_write + tuple(requires_to_write))
        )
        requires_for_args = requires_for_args or previous.requires_for_args
    access = Access(kind, tuple(requires), tuple(requires_to_write), requires_for_args)
    setattr(view, ACCESS_ATTR, access)
    return view


def declares_permission(module: str, action: str, *, to_write: bool = False) -> Callable:
    """Marker: the view checks `action` on `module` itself (in its body, or in a helper).

    It does not enforce anything; the permission matrix test proves that the view does.
    `to_write=True`: needed only to submit (POST and other unsafe methods)."""
    return declares_any_permission((module, action), to_write=to_write)


def declares_any_permission(*pairs: tuple[str, str], to_write: bool = False) -> Callable:
    """Marker: the view checks that the user has at least one of these (module, action)."""

    def decorator(view: Callable) -> Callable:
        if to_write:
            return _declare(view, PERMISSION, requires_to_write=[tuple(pairs)])
        return _declare(view, PERMISSION, requires=[tuple(pairs)])

    return decorator


def declares_permission_for_args(
    module_of: Callable[[dict], str | None], *actions: str
) -> Callable:
    """Marker: the module checked depends on the URL's arguments (which list is exported, or
    whether a record is new): `module_of(kwargs)` names it (None: nothing more needed), and
    every one of `actions` is needed on it."""

    def requirements(kwargs: dict) -> list[Requirement]:
        module = module_of(kwargs)
        if module is None:  # nothing more for these arguments
            return []
        return [((module, action),) for action in actions]

    def decorator(view: Callable) -> Callable:
        return _declare(view, PERMISSION, requires_for_args=requirements)

    return decorator


def public_route(view: Callable) -> Callable:
    """Marker: anyone may call this route, signed in or not."""
    return _declare(view, PUBLIC)


def portal_route(view: Callable) -> Callable:
    """Marker: for customers signed in to the portal; staff and strangers are sent away."""
    return _declare(view, PORTAL)


def login_only(view: Callable) -> Callable:
    """Marker: any signed-in staff user, whatever their role (own profile, own notifications,
    pages whose content is already filtered by the user's permissions)."""
    return _declare(view, LOGIN)


def permission_required(module: str, action: str) -> Callable:
    """View decorator: sign-in required, then 403 without `action` on `module`.

    Also declares the requirement (see `Access`) for the permission matrix test."""
    from django.contrib.auth.decorators import login_required

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_perm(request.user, module, action)
            return view(request, *args, **kwargs)

        return _declare(wrapped, PERMISSION, requires=[((module, action),)])

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
