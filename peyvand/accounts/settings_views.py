"""Users and settings: users, teams, roles (permission matrix) and record sharing.

Viewing needs settings.view; every change needs settings.change."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from peyvand.core.pagination import InvalidCursor

from . import permissions, selectors, services
from .forms import RoleForm, SharingForm, TeamForm, UserForm
from .models import Role, Team, User


def settings_page(view: Callable) -> Callable:
    """Login and settings.view for every request; settings.change for POST."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        permissions.require_perm(request.user, permissions.SETTINGS, permissions.VIEW)
        if request.method == "POST":
            permissions.require_perm(request.user, permissions.SETTINGS, permissions.CHANGE)
        return view(request, *args, **kwargs)

    permissions.declares_permission(permissions.SETTINGS, permissions.VIEW)(wrapper)
    return permissions.declares_permission(permissions.SETTINGS, permissions.CHANGE, to_write=True)(
        wrapper
    )


def _context(request: HttpRequest, tab: str, **extra) -> dict:
    can_change = permissions.has_perm(request.user, permissions.SETTINGS, permissions.CHANGE)
    return {"tab": tab, "can_change": can_change, **extra}


@settings_page
def users(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    try:
        page = selectors.users_page(q=q, cursor=request.GET.get("cursor"))
    except InvalidCursor:
        return redirect("accounts:settings")
    return render(
        request, "accounts/settings/users.html", _context(request, "users", page=page, q=q)
    )


@settings_page
def user_form(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id) if user_id else User()
    # Only a superuser may change a superuser: no one raises their own power by resetting it.
    if user.is_superuser and not request.user.is_superuser:
        raise PermissionDenied(_("Only a superuser can change this account."))
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.save_user(form.save(commit=False), password=form.cleaned_data.get("password"))
        messages.success(request, _("The user was saved."))
        return redirect("accounts:settings")
    status = 422 if form.errors else 200
    return render(
        request,
        "accounts/settings/user_form.html",
        _context(request, "users", form=form, subject=user),
        status=status,
    )


@settings_page
def teams(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/settings/teams.html",
        _context(request, "teams", teams=selectors.teams_with_relations()),
    )


@settings_page
def team_form(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id) if team_id else Team()
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_team(form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The team was saved."))
            return redirect("accounts:settings_teams")
    status = 422 if form.errors else 200
    return render(
        request,
        "accounts/settings/team_form.html",
        _context(request, "teams", form=form, subject=team),
        status=status,
    )


@settings_page
def roles(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/settings/roles.html",
        _context(request, "roles", roles=selectors.roles_with_user_counts()),
    )


@settings_page
def role_form(request: HttpRequest, role_id: int | None = None) -> HttpResponse:
    role = get_object_or_404(Role, pk=role_id) if role_id else Role()
    form = RoleForm(request.POST or None, role=role)
    if request.method == "POST" and form.is_valid():
        services.save_role(role, name=form.cleaned_data["name"], grants=form.grants())
        messages.success(request, _("The role was saved."))
        return redirect("accounts:settings_roles")
    status = 422 if form.errors else 200
    return render(
        request,
        "accounts/settings/role_form.html",
        _context(
            request,
            "roles",
            form=form,
            subject=role,
            matrix=form.matrix(),
            actions=list(permissions.ACTIONS.values()),
        ),
        status=status,
    )


@settings_page
def sharing(request: HttpRequest) -> HttpResponse:
    form = SharingForm(request.POST or None, current=selectors.sharing_scopes())
    if request.method == "POST" and form.is_valid():
        for module, scope in form.cleaned_data.items():
            services.set_module_sharing(module, scope)
        messages.success(request, _("Record sharing was saved."))
        return redirect("accounts:settings_sharing")
    status = 422 if form.errors else 200
    return render(
        request,
        "accounts/settings/sharing.html",
        _context(request, "sharing", form=form),
        status=status,
    )
