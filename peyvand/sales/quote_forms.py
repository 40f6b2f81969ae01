"""Forms of the quote pages. The header is a Django form; the lines are rows of same-named inputs
(line_description, line_quantity, ...) so htmx can add and remove rows without renumbering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from peyvand.commerce.models import Currency
from peyvand.core.forms import JalaliDateField, PersianTextField

LINE_INPUTS = ("product", "description", "quantity", "unit_price", "discount", "tax_rate")


class QuoteForm(forms.Form):
    title = PersianTextField(label=_("Title"), max_length=200, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    valid_until = JalaliDateField(label=_("Valid until"), required=False)
    notes = PersianTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    terms = PersianTextField(
        label=_("Terms and conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Payment, delivery and warranty terms printed under the items."),
    )


class RejectForm(forms.Form):
    reason = PersianTextField(label=_("Reason"), max_length=300, required=False)


@dataclass
class LineRow:
    """One row of the editor: what was typed and the errors of its fields."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return not any(self.values.get(name, "").strip() for name in LINE_INPUTS)

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: self.values.get(name, "").strip()
            for name in LINE_INPUTS
            if self.values.get(name, "").strip()
        }
        data.setdefault("description", "")
        return data


def rows_from_post(post: QueryDict) -> list[LineRow]:
    columns = {name: post.getlist(f"line_{name}") for name in LINE_INPUTS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(min(count, 500)):
        values = {
            name: (columns[name][index] if index < len(columns[name]) else "")
            for name in LINE_INPUTS
        }
        rows.append(LineRow(values=values))
    return rows


def rows_from_quote(quote) -> list[LineRow]:
    return [
        LineRow(
            values={
                "product": str(line.product_id or ""),
                "description": line.description,
                "quantity": plain_number(line.quantity),
                "unit_price": plain_number(line.unit_price),
                "discount": plain_number(line.discount) if line.discount else "",
                "tax_rate": plain_number(line.tax_rate),
            }
        )
        for line in quote.lines.all()
    ]


def plain_number(value) -> str:
    """Decimal as typed by a person: 2.500 -> "2.5", 1000000.00 -> "1000000"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def attach_errors(rows: list[LineRow], kept: list[int], errors: dict[str, list[str]]) -> list[str]:
    """Put service errors "lines.<i>.<field>" on the rows they belong to (i counts only the
    rows that were sent, `kept`); returns the errors that belong to no row."""
    rest: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(kept):
                name = parts[2] if len(parts) > 2 else "description"
                if name not in LINE_INPUTS:
                    name = "description"
                rows[kept[index]].errors.setdefault(name, []).extend(messages)
                continue
        if key == "lines" or key.startswith("lines"):
            rest.extend(messages)
    return rest
