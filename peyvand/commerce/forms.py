"""Page forms. They collect input; services validate amounts and write, and their errors are
shown next to the same fields (see views._service_errors)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team, User
from peyvand.core.forms import JalaliDateField, PersianTextField

from .models import Currency, OrderStatus, PriceList, Product, ProductCategory

_AMOUNT_ATTRS = {"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"}


def amount_field(label, *, required: bool = False, help_text: str = "") -> forms.CharField:
    """Amounts stay text here (Persian digits, thousands separators); services parse them."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs=_AMOUNT_ATTRS),
    )


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64, widget=forms.TextInput({"dir": "ltr"}))
    name = PersianTextField(label=_("Name"), max_length=200)
    name_en = PersianTextField(label=_("English name"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.all(), required=False
    )
    unit = PersianTextField(label=_("Unit"), max_length=30, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    unit_price = amount_field(_("Unit price"), required=True)
    tax_rate = amount_field(_("Tax rate (%)"), required=True)
    cost_price = amount_field(_("Cost price"))
    is_active = forms.BooleanField(label=_("Active (can be sold)"), required=False, initial=True)
    description = PersianTextField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["cost_price"] = data.get("cost_price") or "0"
        return data


class CategoryForm(forms.Form):
    name = PersianTextField(label=_("Name"), max_length=120)
    name_en = PersianTextField(label=_("English name"), max_length=120, required=False)
    parent = forms.ModelChoiceField(
        label=_("Parent category"), queryset=ProductCategory.objects.all(), required=False
    )


class PriceListForm(forms.Form):
    name = PersianTextField(label=_("Name"), max_length=120)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    valid_from = JalaliDateField(label=_("Valid from"), required=False)
    valid_until = JalaliDateField(label=_("Valid until"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    description = PersianTextField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )


class ListPriceForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.active().only("id", "sku", "name")
    )
    unit_price = amount_field(_("Price in this list"), required=True)


class SettingsForm(forms.Form):
    default_tax_rate = amount_field(
        _("Default tax rate (%)"),
        required=True,
        help_text=_("Value added tax for new products and for order lines without a product."),
    )
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=Currency.choices)


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or customer"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OrderStatus.choices]
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        empty_label=_("All"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=_("All"),
    )
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)


class OrderHeaderForm(forms.Form):
    contact = forms.CharField(required=False, widget=forms.HiddenInput)
    company = forms.CharField(required=False, widget=forms.HiddenInput)
    customer_name = PersianTextField(label=_("Customer name"), max_length=200, required=False)
    ordered_at = forms.CharField(
        label=_("Order date"),
        required=False,
        max_length=30,
        help_text=_("e.g. 1403/05/12 or 1403/05/12 14:30; empty means now."),
        widget=forms.TextInput({"dir": "ltr", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    price_list = forms.ModelChoiceField(
        label=_("Price list"),
        required=False,
        queryset=PriceList.objects.filter(is_active=True).order_by("name"),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
    )
    notes = PersianTextField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea({"rows": 2})
    )


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=OrderStatus.choices)
    note = PersianTextField(label=_("Note"), max_length=300, required=False)


LINE_FIELDS = ("product", "description", "quantity", "unit_price", "discount", "tax_rate")
_LINE_KEY = re.compile(r"line-(\d{1,3})-(\w+)")


def lines_from_post(post) -> tuple[list[dict[str, Any]], list[int], list[dict[str, str]]]:
    """The filled line rows of an order form: (service line dicts, row number of each, the raw
    values of every row to redisplay). Rows left completely empty are ignored."""
    rows: dict[int, dict[str, str]] = {}
    for key in post:
        match = _LINE_KEY.fullmatch(key)
        if match and match[2] in LINE_FIELDS:
            rows.setdefault(int(match[1]), {})[match[2]] = post.get(key, "").strip()
    lines: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    raw_rows: list[dict[str, str]] = []
    for number in sorted(rows):
        raw = {name: rows[number].get(name, "") for name in LINE_FIELDS}
        raw["index"] = str(number)
        raw_rows.append(raw)
        if not any(raw[name] for name in ("product", "description", "unit_price")):
            continue
        line = {name: raw[name] for name in LINE_FIELDS if raw[name] != ""}
        line.setdefault("quantity", "1")
        lines.append(line)
        row_numbers.append(number)
    return lines, row_numbers, raw_rows
