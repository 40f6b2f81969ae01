"""Forms of the service-desk pages. They check the shape of input; services check the rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team, User
from peyvand.contacts.models import LifecycleStage
from peyvand.core.forms import PhoneNumberField
from peyvand.core.persian import normalize_text, to_latin_digits

from .models import (
    AssignStrategy,
    RoutingRule,
    SupportTier,
    TicketCategory,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)


def _users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


def split_values(value: str | None) -> list[str]:
    """ "الف، ب, ج" → ["الف", "ب", "ج"]: Persian or Latin commas, or new lines."""
    parts = re.split(r"[,،\n]", value or "")
    return list(dict.fromkeys(p for p in (normalize_text(x) for x in parts) if p))


class CommaListField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "، ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        return split_values(super().to_python(value))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _categories():
    return TicketCategory.objects.filter(is_active=True).order_by("order", "name")


def _tiers():
    return SupportTier.objects.filter(is_active=True).order_by("level")


class NewTicketForm(forms.Form):
    """An agent opens a ticket, typically while the customer is on the phone."""

    phone = PhoneNumberField(label=_("Caller's number"), required=False)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    requester_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    requester_email = forms.EmailField(label=_("Email"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=TicketChannel.choices, initial=TicketChannel.PHONE
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.objects.none(), required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL
    )
    tags = CommaListField(label=_("Tags"), required=False, help_text=_("Separate with commas."))
    attachments = MultipleFileField(label=_("Attachments"))
    assign_to_me = forms.BooleanField(label=_("I will handle it myself"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("reply", _("Public reply")),
            ("note", _("Internal note")),
            ("customer", _("Customer message (typed for them)")),
        ],
        initial="reply",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    status = forms.ChoiceField(
        label=_("Then set the status to"),
        choices=[("", _("(unchanged)"))]
        + [c for c in TicketStatus.choices if c[0] not in ("new", "reopened")],
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    note = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AssignForm(forms.Form):
    user = UserChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    strategy = forms.ChoiceField(
        label=_("Choose an agent of the team"), choices=AssignStrategy.choices, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users()
        self.fields["team"].queryset = Team.objects.order_by("name")


class EscalateForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("up", _("Escalate (higher tier)")), ("down", _("De-escalate (lower tier)"))],
    )
    to_tier = forms.ModelChoiceField(
        label=_("To tier"),
        queryset=SupportTier.objects.none(),
        required=False,
        empty_label=_("The next one"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The tier's default team"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_tier"].queryset = _tiers()
        self.fields["team"].queryset = Team.objects.order_by("name")


_REFERENCE = re.compile(r"^(?:t-?)?0*(\d{1,15})$", re.IGNORECASE)


class ReferenceField(forms.CharField):
    """A ticket reference typed as "T-000123", "123" or "۱۲۳"; cleans to the number."""

    default_error_messages = {"invalid_reference": _("Enter a ticket reference like T-000123.")}

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = _REFERENCE.match(to_latin_digits(value.strip()))
        if not match:
            raise forms.ValidationError(
                self.error_messages["invalid_reference"], code="invalid_reference"
            )
        return int(match[1])


class MergeForm(forms.Form):
    into = ReferenceField(
        label=_("Merge this ticket into"), help_text=_("The reference of the ticket to keep.")
    )


class LinkForm(forms.Form):
    reference = ReferenceField(label=_("Related ticket"))


class SplitForm(forms.Form):
    subject = forms.CharField(label=_("Subject of the new ticket"), max_length=200, required=False)


class TicketEditForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.objects.none(), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=TicketPriority.choices)
    tags = CommaListField(label=_("Tags"), required=False, help_text=_("Separate with commas."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = TicketCategory.objects.order_by("order", "name")


class SupportTierForm(forms.ModelForm):
    class Meta:
        model = SupportTier
        fields = ["code", "name", "level", "description", "default_team", "is_active"]


class TicketCategoryForm(forms.ModelForm):
    class Meta:
        model = TicketCategory
        fields = ["name", "parent", "description", "order", "is_active"]

    def clean_parent(self) -> TicketCategory | None:
        parent = self.cleaned_data.get("parent")
        node, seen = parent, set()
        while node is not None and self.instance.pk:
            if node.pk == self.instance.pk or node.pk in seen:
                raise forms.ValidationError(_("A category cannot be placed under itself."))
            seen.add(node.pk)
            node = node.parent
        return parent


class RoutingRuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=TicketChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=TicketPriority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lifecycle_stages = forms.MultipleChoiceField(
        label=_("Customer lifecycle stages"),
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keywords = CommaListField(
        label=_("Keywords in the subject or description"),
        required=False,
        help_text=_("Any of them matches. Separate with commas."),
    )
    customer_tags = CommaListField(
        label=_("Customer tags"),
        required=False,
        help_text=_('The contact or company has any of these tags, e.g. "VIP".'),
    )
    add_tags = CommaListField(
        label=_("Add tags"), required=False, help_text=_("Separate with commas.")
    )

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "is_active",
            "stop",
            "channels",
            "categories",
            "priorities",
            "keywords",
            "lifecycle_stages",
            "customer_tags",
            "set_tier",
            "set_team",
            "set_priority",
            "add_tags",
            "strategy",
        ]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "products" in {f.name for f in RoutingRule._meta.get_fields()}:
            self.fields["products"] = forms.ModelMultipleChoiceField(
                label=_("Products"),
                queryset=RoutingRule._meta.get_field("products").related_model.objects.all(),
                required=False,
            )
        self.fields["categories"].queryset = TicketCategory.objects.order_by("order", "name")
        self.fields["set_tier"].queryset = _tiers()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("strategy") and not data.get("set_team"):
            self.add_error("strategy", _("Choose the team the agent is picked from."))
        if not any(
            data.get(f) for f in ("set_tier", "set_team", "set_priority", "add_tags", "strategy")
        ):
            raise forms.ValidationError(_("Choose at least one thing the rule does."))
        return data
