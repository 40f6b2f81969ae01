from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peyvand.core.forms import PersianEmailField, PersianTextField

from . import permissions
from .models import ApiToken, Role, Team, User, time_zone_names


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "time_zone"]
        field_classes = {
            "first_name": PersianTextField,
            "last_name": PersianTextField,
            "email": PersianEmailField,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = _("Office time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("time zone"),
            required=False,
            choices=[("", default), *((name, name) for name in time_zone_names())],
        )


class ApiTokenForm(forms.Form):
    name = PersianTextField(
        label=_("Token name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("Where the token is used, for example “website form” or “accounting sync”."),
    )


class _PasswordMixin:
    """A new-password field checked by the installation's password validators."""

    password_required = True

    def _add_password_field(self) -> None:
        self.fields["password"] = forms.CharField(
            label=_("Password") if self.password_required else _("New password"),
            required=self.password_required,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
            help_text=password_validation.password_validators_help_text_html()
            if self.password_required
            else _("Leave empty to keep the current password."),
        )

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", error)


class UserForm(_PasswordMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "team",
            "role",
            "department",
            "language",
            "is_active",
            "is_available",
        ]
        field_classes = {
            "first_name": PersianTextField,
            "last_name": PersianTextField,
            "email": PersianEmailField,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.password_required = self.instance.pk is None
        self._add_password_field()
        self.fields["username"].widget.attrs["dir"] = "ltr"
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["role"].queryset = Role.objects.order_by("name")
        self.fields["role"].label_from_instance = lambda role: gettext(role.name)


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "department", "parent", "manager"]
        field_classes = {"name": PersianTextField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Team.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["manager"].queryset = User.objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        )


def grant_field_name(module: str, action: str) -> str:
    return f"perm__{module}__{action}"


class RoleForm(forms.Form):
    """A role's name and a module × action matrix of checkboxes."""

    name = PersianTextField(
        label=_("Role name"), max_length=Role._meta.get_field("name").max_length
    )

    def __init__(self, *args: Any, role: Role | None = None, **kwargs: Any) -> None:
        self.role = role or Role()
        initial = kwargs.pop("initial", None) or {}
        if self.role.pk:
            initial.setdefault("name", self.role.name)
        for module in permissions.modules():
            for action in permissions.ACTIONS:
                initial.setdefault(
                    grant_field_name(module.code, action), self.role.allows(module.code, action)
                )
        super().__init__(*args, initial=initial, **kwargs)
        for module in permissions.modules():
            for action, label in permissions.ACTIONS.items():
                self.fields[grant_field_name(module.code, action)] = forms.BooleanField(
                    label=f"{module.label}: {label}", required=False
                )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        clash = Role.objects.filter(name__iexact=name)
        if self.role.pk:
            clash = clash.exclude(pk=self.role.pk)
        if clash.exists():
            raise forms.ValidationError(_("A role with this name already exists."))
        return name

    def matrix(self) -> list[dict[str, Any]]:
        """Rows for the template: the module and its checkbox per action."""
        return [
            {
                "module": module,
                "cells": [
                    self[grant_field_name(module.code, action)] for action in permissions.ACTIONS
                ],
            }
            for module in permissions.modules()
        ]

    def grants(self) -> dict[str, list[str]]:
        return {
            module.code: [
                action
                for action in permissions.ACTIONS
                if self.cleaned_data.get(grant_field_name(module.code, action))
            ]
            for module in permissions.modules()
        }


class SharingForm(forms.Form):
    """One choice of sharing scope per shareable module."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for module in permissions.modules():
            if module.shareable:
                self.fields[module.code] = forms.ChoiceField(
                    label=module.label,
                    choices=permissions.SHARING_SCOPES,
                    initial=current.get(module.code, permissions.SHARE_ALL),
                    widget=forms.RadioSelect,
                )
