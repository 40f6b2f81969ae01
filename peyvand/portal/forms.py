from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.core.forms import PersianTextField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service desk checks each one's type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class SignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Email or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "dir": "ltr", "autofocus": True}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "dir": "ltr",
                "autofocus": True,
            }
        ),
    )


class NewTicketForm(forms.Form):
    subject = PersianTextField(label=_("Subject"), max_length=200)
    description = PersianTextField(
        label=_("How can we help?"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ReplyForm(forms.Form):
    body = PersianTextField(
        label=_("Your reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Attachments"))
