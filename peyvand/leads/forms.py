"""Forms of the leads pages (the public web form is built from a LeadForm's design)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team, User
from peyvand.core.forms import JalaliDateField, PersianTextField
from peyvand.core.persian import normalize_text
from peyvand.timeline.models import CallOutcome, Direction

from .inputs import LeadDataForm
from .models import (
    AssignmentRule,
    Band,
    Channel,
    DisqualifyReason,
    LeadForm,
    LeadStatus,
    LostReason,
    RoutingStrategy,
    ScoringAttribute,
    ScoringOperator,
    ScoringRule,
)
from .scoring import BOOLEAN, NUMERIC, parse_number

# Fields a web form may ask for, in the order they appear on the form.
FORM_FIELDS: list[tuple[str, Any]] = [
    ("name", _("Full name")),
    ("first_name", _("First name")),
    ("last_name", _("Last name")),
    ("phone", _("Phone")),
    ("email", _("Email")),
    ("company", _("Company")),
    ("job_title", _("Job title")),
    ("company_size", _("Company size (employees)")),
    ("province", _("Province")),
    ("city", _("City")),
    ("product", _("Product or interest")),
    ("message", _("Message")),
]
FORM_FIELD_NAMES = [name for name, _label in FORM_FIELDS]
HONEYPOT_FIELD = "website_url"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]


def _users():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class LeadDetailsForm(LeadDataForm):
    """Edit a lead's person and company details (same validation as every capture channel)."""

    field_order = [
        "first_name",
        "last_name",
        "phone",
        "email",
        "company",
        "job_title",
        "company_size",
        "province",
        "city",
        "product",
        "language",
        "message",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "consent"):
            self.fields.pop(name)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=[("", "—"), *LANGUAGES], required=False
        )
        self.order_fields(self.field_order)


class QuickCallForm(LeadDataForm):
    """A call-centre agent's "new lead from a call": the caller's number first."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    assign_to_me = forms.BooleanField(label=_("Assign to me"), required=False)
    field_order = [
        "phone",
        "name",
        "email",
        "company",
        "city",
        "province",
        "product",
        "message",
        "channel",
        "assign_to_me",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "job_title", "company_size", "language", "consent"):
            self.fields.pop(name)
        self.order_fields(self.field_order)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED],
    )
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[])
    note = PersianTextField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            ("", "—"),
            (_("Why it was disqualified"), list(DisqualifyReason.choices)),
            (_("Why it was lost"), list(LostReason.choices)),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        status, reason = data.get("status"), data.get("reason") or ""
        if status == LeadStatus.UNQUALIFIED and reason not in DisqualifyReason.values:
            self.add_error("reason", _("Choose why the lead is disqualified."))
        elif status == LeadStatus.LOST and reason not in LostReason.values:
            self.add_error("reason", _("Choose why the lead was lost."))
        return data


class AssignForm(forms.Form):
    user = UserChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    strategy = forms.ChoiceField(
        label=_("Within the team"),
        choices=[("", _("Team queue (nobody yet)")), *RoutingStrategy.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("user") and not data.get("team"):
            raise ValidationError(_("Choose a person or a team."))
        return data


class BulkActionForm(forms.Form):
    ACTIONS = [("assign", _("Assign")), ("status", _("Change status"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ids = forms.CharField(widget=forms.MultipleHiddenInput, required=False)

    def clean_ids(self) -> list[int]:
        raw = (
            self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        )
        ids = []
        for value in raw[:500]:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        if not ids:
            raise ValidationError(_("Select at least one lead."))
        return ids


class InteractionForm(forms.Form):
    KINDS = [
        ("call", _("Call")),
        ("email", _("Email")),
        ("meeting", _("Meeting")),
        ("sms", _("SMS")),
        ("note", _("Note")),
    ]
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, initial="call")
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *CallOutcome.choices], required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=24 * 60, required=False
    )
    subject = PersianTextField(label=_("Subject"), max_length=200, required=False)
    body = PersianTextField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ConvertForm(forms.Form):
    create_deal = forms.BooleanField(label=_("Also create a deal"), required=False)


def _split_values(value: str) -> list[str]:
    parts = [normalize_text(p) for p in str(value or "").replace("،", ",").split(",")]
    return list(dict.fromkeys(p for p in parts if p))


class CommaListField(forms.CharField):
    """A list of values typed as "تهران، اصفهان" (Persian or Latin commas)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "، ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        return _split_values(super().to_python(value))


class AssignmentRuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    bands = forms.MultipleChoiceField(
        label=_("Score bands"),
        choices=Band.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    provinces = CommaListField(
        label=_("Provinces"), required=False, help_text=_("Separate with commas.")
    )
    cities = CommaListField(label=_("Cities"), required=False, help_text=_("Separate with commas."))
    products = CommaListField(
        label=_("Products"), required=False, help_text=_("Separate with commas.")
    )
    assign_user = UserChoiceField(
        label=_("Assign to user"), queryset=User.objects.none(), required=False
    )

    class Meta:
        model = AssignmentRule
        fields = [
            "name",
            "is_active",
            "channels",
            "provinces",
            "cities",
            "products",
            "languages",
            "bands",
            "min_score",
            "max_score",
            "forms",
            "assign_user",
            "assign_team",
            "strategy",
            "first_response_minutes",
        ]
        widgets = {"forms": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_user"].queryset = _users()
        self.fields["forms"].queryset = LeadForm.objects.order_by("name")
        self.fields["first_response_minutes"].min_value = 1
        self.fields["first_response_minutes"].widget.attrs["min"] = 1

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user, team = data.get("assign_user"), data.get("assign_team")
        if bool(user) == bool(team):
            raise ValidationError(_("Choose either a user or a team to assign to."))
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            self.add_error("max_score", _("The maximum must not be below the minimum."))
        return data


class ScoringRuleForm(forms.ModelForm):
    label = PersianTextField(label=_("Label"), max_length=120)

    class Meta:
        model = ScoringRule
        fields = ["label", "attribute", "operator", "value", "points", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        attribute, operator = data.get("attribute"), data.get("operator")
        value = (data.get("value") or "").strip()
        if attribute in BOOLEAN and operator != ScoringOperator.IS:
            self.add_error("operator", _("Use “is true” for this attribute."))
        elif attribute in NUMERIC and operator not in (ScoringOperator.GTE, ScoringOperator.LTE):
            self.add_error("operator", _("Use “at least” or “at most” for a number."))
        elif attribute and attribute not in NUMERIC | BOOLEAN and operator != ScoringOperator.IN:
            self.add_error("operator", _("Use “is one of” for this attribute."))
        if operator in (ScoringOperator.GTE, ScoringOperator.LTE) and parse_number(value) is None:
            self.add_error("value", _("Enter a whole number."))
        if operator == ScoringOperator.IN and not _split_values(value):
            self.add_error("value", _("Enter one or more values, separated by commas."))
        if operator == ScoringOperator.IS:
            data["value"] = ""
        if attribute not in ScoringAttribute.values:
            return data
        if not -100 <= (data.get("points") or 0) <= 100:
            self.add_error("points", _("Enter points between -100 and 100."))
        return data


class WebFormDesignForm(forms.ModelForm):
    """The form designer: settings of the form plus, per available field, include/required/label."""

    name = PersianTextField(label=_("Name"), max_length=120)
    consent_text = PersianTextField(
        label=_("Consent text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=LeadForm._meta.get_field("consent_text").help_text,
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    redirect_url = forms.URLField(
        label=_("Redirect after submitting"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=LeadForm._meta.get_field("redirect_url").help_text,
    )

    class Meta:
        model = LeadForm
        fields = [
            "name",
            "is_active",
            "channel",
            "product",
            "language",
            "submit_label",
            "success_message",
            "redirect_url",
            "consent_text",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {f["field"]: f for f in (self.instance.fields or [])}
        if not self.instance.pk and not current:
            current = {
                "name": {"field": "name", "required": True},
                "phone": {"field": "phone", "required": True},
                "email": {"field": "email", "required": False},
                "message": {"field": "message", "required": False},
            }
        for name, label in FORM_FIELDS:
            config = current.get(name, {})
            self.fields[f"use_{name}"] = forms.BooleanField(
                label=label, required=False, initial=name in current
            )
            self.fields[f"required_{name}"] = forms.BooleanField(
                label=_("Required"), required=False, initial=bool(config.get("required"))
            )
            self.fields[f"label_{name}"] = forms.CharField(
                label=_("Label on the form"),
                max_length=100,
                required=False,
                initial=config.get("label", ""),
                widget=forms.TextInput(attrs={"placeholder": label}),
            )

    def field_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "use": self[f"use_{name}"],
                "required": self[f"required_{name}"],
                "label": self[f"label_{name}"],
            }
            for name, _label in FORM_FIELDS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = []
        for name in FORM_FIELD_NAMES:
            if data.get(f"use_{name}"):
                config: dict[str, Any] = {
                    "field": name,
                    "required": bool(data.get(f"required_{name}")),
                }
                label = normalize_text(data.get(f"label_{name}") or "")
                if label:
                    config["label"] = label
                chosen.append(config)
        names = {c["field"] for c in chosen}
        if not names & {"phone", "email"}:
            raise ValidationError(_("A form must ask for a phone number or an email address."))
        if "name" in names and names & {"first_name", "last_name"}:
            raise ValidationError(_("Ask for the full name or for first and last name, not both."))
        data["design"] = chosen
        return data

    def save(self, commit: bool = True) -> LeadForm:
        self.instance.fields = self.cleaned_data["design"]
        return super().save(commit=commit)


class EventImportForm(forms.Form):
    event = PersianTextField(label=_("Event or seminar"), max_length=150)
    product = PersianTextField(label=_("Product or interest"), max_length=120, required=False)
    file = forms.FileField(
        label=_("Attendee list (CSV)"),
        help_text=_(
            "Columns: name, phone, email, company, city (Persian headers work too). "
            "Up to 5,000 rows."
        ),
    )


class FunnelFilterForm(forms.Form):
    start = JalaliDateField(label=_("Start date"), required=False)
    end = JalaliDateField(label=_("End date"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must not be before the start."))
        return data
