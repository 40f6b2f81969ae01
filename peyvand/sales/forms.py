"""Forms of the sales pages. They check the shape of input; services enforce the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team, User
from peyvand.contacts.models import Company, Contact
from peyvand.core.forms import JalaliDateField, PersianTextField

from .models import DEAL_REQUIRED_FIELDS, Currency, LostReason, Pipeline, Stage, StageKind


class MoneyField(forms.Field):
    """An amount typed with any digits and thousands separators; cleans to Decimal."""

    widget = forms.TextInput

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "decimal", "dir": "ltr", "autocomplete": "off", "maxlength": "40"}
        )

    def to_python(self, value) -> Decimal | None:
        from django.core.exceptions import ValidationError

        from .services import parse_money

        if value in self.empty_values:
            return None
        if isinstance(value, str) and len(value) > 40:
            raise forms.ValidationError(_("Enter a valid amount."))
        try:
            return parse_money(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["amount"]) from None


class DealForm(forms.Form):
    title = PersianTextField(label=_("Title"), max_length=200)
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.NumberInput(attrs={"dir": "ltr"}),
        help_text=_("The contact's number (open the contact to see it)."),
    )
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        widget=forms.NumberInput(attrs={"dir": "ltr"}),
    )
    amount = MoneyField(label=_("Amount"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    expected_close = JalaliDateField(label=_("Expected close date"), required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.filter(is_active=True), required=False
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.filter(kind=StageKind.OPEN), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    source_campaign = PersianTextField(label=_("Source campaign"), max_length=200, required=False)

    def __init__(self, *args, user=None, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.visible_to(user)
        company_qs = getattr(Company.objects, "visible_to", None)
        self.fields["company"].queryset = company_qs(user) if company_qs else Company.objects.all()
        self.fields["stage"].queryset = self.fields["stage"].queryset.select_related("pipeline")
        self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline.name} › {s.name}"
        if editing:
            del self.fields["pipeline"]
            del self.fields["stage"]

    def clean(self):
        data = super().clean()
        if not data.get("contact") and not data.get("company") and not self.errors:
            raise forms.ValidationError(_("Link the deal to a contact or a company."))
        return data


class LostForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=LostReason.objects.filter(is_active=True), required=False
    )
    note = PersianTextField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    body = PersianTextField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "rotting_days", "currency", "is_default", "is_active"]


class StageForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = PersianTextField(label=_("Name"), max_length=120)
    probability = forms.IntegerField(label=_("Win probability (%)"), min_value=0, max_value=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=StageKind.choices)
    required_fields = forms.MultipleChoiceField(
        label=_("Required fields"),
        choices=list(DEAL_REQUIRED_FIELDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rotting_days = forms.IntegerField(
        label=_("Rotting after (days)"), min_value=1, max_value=3650, required=False
    )


StageFormSet = forms.formset_factory(StageForm, extra=1, can_delete=True, can_order=True)


class LostReasonForm(forms.Form):
    name = PersianTextField(label=_("Reason"), max_length=120)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
