"""Forms of the timeline panel: one per interaction kind people log by hand."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.core.dates import InvalidDate, format_datetime, parse_datetime
from peyvand.core.forms import PersianTextField
from peyvand.core.persian import INVISIBLE_RE, is_persian_language, to_latin_digits

from .models import CallOutcome, Direction

_LTR_ATTRS = {"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}


class JalaliDateTimeInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({**_LTR_ATTRS, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            return format_datetime(value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        placeholder = "۱۴۰۳/۰۵/۱۲ ۱۴:۳۰" if is_persian_language() else "2024-08-02 14:30"
        context["widget"]["attrs"].setdefault("placeholder", placeholder)
        return context


class JalaliDateTimeField(forms.CharField):
    """A date (Jalali or Gregorian, any digits) with an optional " HH:MM"; cleans to an aware
    datetime via core.dates.parse_datetime."""

    widget = JalaliDateTimeInput
    default_error_messages = {
        "invalid_datetime": _(
            "Enter a valid date and time, such as 1403/05/12 14:30 (Solar Hijri) "
            "or 2024-08-02 14:30."
        )
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if callable(value):
            value = value()
        if isinstance(value, dt.datetime):
            return format_datetime(value)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return self.empty_value
        try:
            return parse_datetime(value)
        except InvalidDate as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_datetime"], code="invalid_datetime"
            ) from exc


_DURATION_RE = re.compile(r"(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2})|(\d{1,4})")


class CallDurationField(forms.CharField):
    """ "4:30" (minutes:seconds), "1:05:00" (hours:minutes:seconds) or "5" (minutes) in any
    digits; cleans to a number of seconds."""

    default_error_messages = {
        "invalid_duration": _("Enter minutes:seconds, such as 4:30."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_value", None)
        kwargs.setdefault("help_text", _("minutes:seconds"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **_LTR_ATTRS, "placeholder": "4:30"}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            minutes, seconds = divmod(value, 60)
            return f"{minutes}:{seconds:02d}"
        return value

    def to_python(self, value: Any) -> int | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return self.empty_value
        text = INVISIBLE_RE.sub("", to_latin_digits(value)).replace("٫", ":").strip()
        match = _DURATION_RE.fullmatch(text)
        if not match:
            raise forms.ValidationError(
                self.error_messages["invalid_duration"], code="invalid_duration"
            )
        hours, minutes, seconds, only_minutes = match.groups()
        if only_minutes is not None:
            return int(only_minutes) * 60
        if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
            raise forms.ValidationError(
                self.error_messages["invalid_duration"], code="invalid_duration"
            )
        return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class InteractionForm(forms.Form):
    """Fields every logged interaction has; subclasses add their own."""

    kind = ""
    occurred_at = JalaliDateTimeField(
        label=_("When"), required=False, help_text=_("Leave empty for now.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.now

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class NoteForm(InteractionForm):
    kind = "note"
    body = PersianTextField(label=_("Note"), widget=_textarea(4))


class CallForm(InteractionForm):
    kind = "call"
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    duration_seconds = CallDurationField(label=_("Duration"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallOutcome.choices, initial=CallOutcome.ANSWERED
    )
    body = PersianTextField(label=_("Notes"), widget=_textarea(), required=False)
    recording = forms.FileField(
        label=_("Recording"),
        required=False,
        help_text=_("MP3, WAV, OGG, M4A or WebM."),
        widget=forms.FileInput(attrs={"accept": "audio/*"}),
    )


class EmailForm(InteractionForm):
    kind = "email"
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    subject = PersianTextField(label=_("Subject"), max_length=200)
    body = PersianTextField(label=_("Text"), widget=_textarea(4), required=False)


class MeetingForm(InteractionForm):
    kind = "meeting"
    subject = PersianTextField(label=_("Subject"), max_length=200)
    duration_seconds = CallDurationField(label=_("Duration"), required=False)
    location = PersianTextField(label=_("Location"), max_length=200, required=False)
    body = PersianTextField(label=_("Notes"), widget=_textarea(), required=False)


class SmsForm(InteractionForm):
    kind = "sms"
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    body = PersianTextField(label=_("Message"), widget=_textarea(3), max_length=2000)


FORMS: dict[str, type[InteractionForm]] = {
    form.kind: form for form in (NoteForm, CallForm, EmailForm, MeetingForm, SmsForm)
}
