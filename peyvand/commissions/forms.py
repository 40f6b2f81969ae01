from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team, User
from peyvand.commerce.models import ProductCategory
from peyvand.core.forms import JalaliDateField
from peyvand.core.periods import InvalidPeriod, Period
from peyvand.sales.forecast_views import parse_amount
from peyvand.sales.models import Currency

from .models import Basis, StatementStatus

_LTR = {"dir": "ltr", "autocomplete": "off"}


def _decimal(value: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None):
    try:
        number = parse_amount(value)
    except ValueError as exc:
        raise ValidationError(_("Enter a number.")) from exc
    if minimum is not None and number < minimum:
        raise ValidationError(_("Enter %(min)s or more.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise ValidationError(_("Enter %(max)s or less.") % {"max": maximum})
    return number


def _rate(value: str) -> Decimal:
    return _decimal(value, minimum=Decimal(0), maximum=Decimal(100))


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    basis = forms.ChoiceField(label=_("Paid on"), choices=Basis.choices)
    rate = forms.CharField(label=_("Rate (%)"), max_length=10, widget=forms.TextInput(_LTR))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    effective_from = JalaliDateField(label=_("Effective from"))
    effective_to = JalaliDateField(label=_("Effective until"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    users = forms.ModelMultipleChoiceField(
        label=_("Salespeople"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple({"size": 6}),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.all(), required=False
    )
    category_rates = forms.CharField(
        label=_("Rates per product category"),
        required=False,
        widget=forms.Textarea({"rows": 3, "dir": "auto"}),
        help_text=_("One per line: category name = rate, e.g. «Software = 10»."),
    )
    tiers = forms.CharField(
        label=_("Tiers above target"),
        required=False,
        widget=forms.Textarea({"rows": 3, "dir": "ltr"}),
        help_text=_(
            "One per line: share of target reached = rate, e.g. «100 = 5» pays 5 percent on sales "
            "beyond the target."
        ),
    )

    def clean_rate(self) -> Decimal:
        return _rate(self.cleaned_data["rate"])

    def clean_category_rates(self) -> list[tuple[ProductCategory, Decimal]]:
        result = []
        names = {c.name.strip(): c for c in ProductCategory.objects.all()}
        names.update({c.name_en.strip(): c for c in names.values() if c.name_en})
        for line in (self.cleaned_data.get("category_rates") or "").splitlines():
            if not line.strip():
                continue
            name, sep, rate = line.rpartition("=")
            category = names.get(name.strip())
            if not sep or category is None:
                raise ValidationError(_("Unknown category in «%(line)s».") % {"line": line.strip()})
            result.append((category, _rate(rate)))
        return result

    def clean_tiers(self) -> list[tuple[Decimal, Decimal]]:
        result = []
        for line in (self.cleaned_data.get("tiers") or "").splitlines():
            if not line.strip():
                continue
            attainment, sep, rate = line.partition("=")
            if not sep:
                raise ValidationError(_("Write each tier as «attainment = rate»."))
            result.append(
                (_decimal(attainment, minimum=Decimal(0), maximum=Decimal(1000)), _rate(rate))
            )
        if len({a for a, _r in result}) != len(result):
            raise ValidationError(_("Two tiers start at the same attainment."))
        return result

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The end date is before the start date."))
        return data


class ComputeForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.filter(is_active=True)
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=10,
        widget=forms.TextInput(_LTR),
        help_text=_("1404-07 is a month, 1404-Q3 a quarter, 1404 a year."),
    )

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except InvalidPeriod as exc:
            raise ValidationError(str(exc)) from exc


class AdjustmentForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount"),
        max_length=40,
        widget=forms.TextInput(_LTR),
        help_text=_("Negative to take back commission paid."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def clean_amount(self) -> Decimal:
        return _decimal(self.cleaned_data["amount"])


class StatementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *StatementStatus.choices]
    )
