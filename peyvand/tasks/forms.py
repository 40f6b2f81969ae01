from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import User
from peyvand.contacts.models import Company, Contact
from peyvand.core.forms import PersianTextField
from peyvand.timeline.forms import JalaliDateTimeField

from .models import Task

# A due date typed without a time means "by the end of that day"; a reminder date without a
# time rings at the start of the working day.
DUE_DEFAULT_TIME = dt.time(23, 59)
REMIND_DEFAULT_TIME = dt.time(9, 0)


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


def _with_default_time(raw: str | None, value: dt.datetime | None, default: dt.time):
    if value is None or (raw and ":" in raw):
        return value
    local = timezone.localtime(value)
    return timezone.make_aware(dt.datetime.combine(local.date(), default))


class TaskForm(forms.Form):
    title = PersianTextField(label=_("Title"), max_length=200)
    due_at = JalaliDateTimeField(
        label=_("Due"), required=False, help_text=_("A date, and a time if it matters.")
    )
    remind_at = JalaliDateTimeField(label=_("Remind me at"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL
    )
    assignee = AssigneeField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    description = PersianTextField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    contact = forms.IntegerField(widget=forms.HiddenInput, required=False)
    company = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True)
            .only("id", "username", "first_name", "last_name")
            .order_by("first_name", "last_name", "username")
        )
        self.fields["assignee"].empty_label = _("Me")
        self.fields["assignee"].initial = user.pk

    def _record(self, name: str, model) -> Contact | Company | None:
        pk = self.cleaned_data.get(name)
        if pk is None:
            return None
        record = model.objects.visible_to(self.user).filter(pk=pk).first()
        if record is None:
            raise forms.ValidationError(_("This record does not exist or you cannot see it."))
        return record

    def clean_contact(self) -> Contact | None:
        return self._record("contact", Contact)

    def clean_company(self) -> Company | None:
        return self._record("company", Company)

    def clean_due_at(self) -> dt.datetime | None:
        return _with_default_time(
            self.data.get(self.add_prefix("due_at")), self.cleaned_data["due_at"], DUE_DEFAULT_TIME
        )

    def clean_remind_at(self) -> dt.datetime | None:
        return _with_default_time(
            self.data.get(self.add_prefix("remind_at")),
            self.cleaned_data["remind_at"],
            REMIND_DEFAULT_TIME,
        )

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @classmethod
    def for_task(cls, task: Task, *, user: User, data=None) -> TaskForm:
        initial = {
            "title": task.title,
            "due_at": task.due_at,
            "remind_at": task.remind_at,
            "priority": task.priority,
            "assignee": task.assignee_id,
            "description": task.description,
            "contact": task.contact_id,
            "company": task.company_id,
        }
        return cls(data, user=user, initial=initial)


class PanelTaskForm(TaskForm):
    """The 360 page's quick form: the record comes from the page, not from the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        for name in ("contact", "company", "description"):
            del self.fields[name]
