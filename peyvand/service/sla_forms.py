"""Forms of the SLA settings pages, the CSAT page and the service reports filter."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import jdatetime
from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.contacts.models import LifecycleStage
from peyvand.core.forms import JalaliDateField, PersianTextField
from peyvand.core.persian import to_latin_digits

from .business_hours import IRANIAN_WEEK, InvalidHours, format_intervals, parse_intervals
from .models import WEEKDAY_LABELS, BusinessCalendar, SlaPolicy, TicketPriority


class LatinIntegerField(forms.IntegerField):
    """An integer typed with Persian or Latin digits."""

    def to_python(self, value: Any) -> int | None:
        return super().to_python(to_latin_digits(str(value)) if value is not None else value)


def _zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [(z, z) for z in zones]


class CalendarForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "is_default"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in IRANIAN_WEEK:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[day],
                required=False,
                max_length=200,
                initial=format_intervals(self.instance.intervals(day)),
                widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "08:00-17:00"}),
                help_text=_("e.g. 08:00-12:00, 13:00-17:00; empty = closed"),
            )

    def day_fields(self):
        return [self[f"hours_{day}"] for day in IRANIAN_WEEK]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        weekly = {}
        for day in IRANIAN_WEEK:
            try:
                weekly[str(day)] = [list(i) for i in parse_intervals(data.get(f"hours_{day}", ""))]
            except InvalidHours:
                self.add_error(
                    f"hours_{day}",
                    _("Write times like 08:00-17:00, separated by commas, without overlaps."),
                )
        if not self.errors and not any(weekly.values()):
            raise forms.ValidationError(_("Give at least one working interval in the week."))
        self.instance.weekly_hours = weekly
        return data


class HolidayForm(forms.Form):
    date = JalaliDateField(label=_("Date"))
    name = PersianTextField(label=_("Name"), max_length=120)


class SeedHolidaysForm(forms.Form):
    year = LatinIntegerField(
        label=_("Solar Hijri year"),
        min_value=1300,
        max_value=1500,
        initial=lambda: jdatetime.date.today().year,
    )


class PolicyForm(forms.ModelForm):
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=TicketPriority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any priority."),
    )
    lifecycle_stages = forms.MultipleChoiceField(
        label=_("Customer lifecycle stages"),
        choices=LifecycleStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any stage."),
    )
    customer_tags = forms.CharField(
        label=_("Customer tags"),
        required=False,
        max_length=500,
        help_text=_("Comma-separated, e.g. VIP; empty: any customer."),
    )
    position = LatinIntegerField(label=_("Position in the list"), min_value=0, initial=0)
    first_response_minutes = LatinIntegerField(
        label=_("First response within (business minutes)"), min_value=1, max_value=525_600
    )
    resolution_minutes = LatinIntegerField(
        label=_("Resolution within (business minutes)"), min_value=1, max_value=525_600
    )
    warn_before_minutes = LatinIntegerField(
        label=_("Warn the assignee this many business minutes before"),
        min_value=0,
        max_value=525_600,
        initial=30,
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "priorities",
            "customer_tags",
            "lifecycle_stages",
            "first_response_minutes",
            "resolution_minutes",
            "warn_before_minutes",
            "calendar",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["customer_tags"] = ", ".join(self.instance.customer_tags or [])

    def clean_customer_tags(self) -> list[str]:
        text = (self.cleaned_data.get("customer_tags") or "").replace("،", ",")
        return sorted({t.strip() for t in text.split(",") if t.strip()})


class CsatAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(n, str(n)) for n in range(1, 6)], coerce=int
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea
    )


class ReportFilterForm(forms.Form):
    start = JalaliDateField(label=_("Start date"), required=False)
    end = JalaliDateField(label=_("End date"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must not be before the start."))
        return data
