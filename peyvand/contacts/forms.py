"""Forms of the contact and company pages. They check what a person typed (with the shared
peyvand.core fields) and turn it into a ContactInput/CompanyInput; the services do the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team
from peyvand.core.forms import (
    CompanyNationalIdField,
    EconomicCodeField,
    JalaliDateField,
    NationalIdField,
    PersianEmailField,
    PersianTextField,
    PhoneNumberField,
)
from peyvand.core.persian import normalize_text

from . import selectors
from .models import Address, Company, Contact, Email, LifecycleStage, Phone, SourceChannel
from .services import (
    MAX_ID,
    AddressInput,
    CompanyInput,
    ContactInput,
    EmailInput,
    MembershipInput,
    PhoneInput,
    parse_id,
    split_tags,
)

BLANK = [("", "---------")]


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses ids no database row can have before querying."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


def _owner_field() -> forms.ModelChoiceField:
    return IdChoiceField(
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .only("id", "username", "first_name", "last_name"),
        required=False,
        label=_("owner"),
    )


def _team_field() -> forms.ModelChoiceField:
    return IdChoiceField(queryset=Team.objects.all(), required=False, label=_("team"))


class TagsField(forms.CharField):
    """Comma-separated tag names (the Persian comma "،" too) -> a list of names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        names = split_tags(text)
        if any(len(name) > 60 for name in names):
            raise forms.ValidationError(_("A tag can have at most 60 characters."))
        if len(names) > 30:
            raise forms.ValidationError(_("At most %(limit)d items are allowed.") % {"limit": 30})
        return names

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "، ".join(value)
        return value


# --- Rows: phones, emails, addresses, companies -----------------------------------------------


class _RowForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(name) for name in self.value_fields)


class PhoneRowForm(_RowForm):
    value_fields = ("number",)
    number = PhoneNumberField(label=_("phone"), required=False, max_length=40)
    kind = forms.ChoiceField(
        label=_("kind"), choices=Phone.Kind.choices, initial=Phone.Kind.MOBILE, required=False
    )
    is_primary = forms.BooleanField(label=_("primary"), required=False)

    def to_input(self) -> PhoneInput:
        d = self.cleaned_data
        return PhoneInput(d["number"], d["kind"], d["is_primary"], d.get("id"))


class EmailRowForm(_RowForm):
    value_fields = ("address",)
    address = PersianEmailField(label=_("email"), required=False, max_length=254)
    kind = forms.ChoiceField(
        label=_("kind"), choices=Email.Kind.choices, initial=Email.Kind.WORK, required=False
    )
    is_primary = forms.BooleanField(label=_("primary"), required=False)

    def to_input(self) -> EmailInput:
        d = self.cleaned_data
        return EmailInput(d["address"], d["kind"], d["is_primary"], d.get("id"))


class AddressRowForm(_RowForm):
    value_fields = ("province", "city", "line", "postal_code")
    kind = forms.ChoiceField(
        label=_("kind"), choices=Address.Kind.choices, initial=Address.Kind.WORK, required=False
    )
    province = PersianTextField(label=_("province"), required=False, max_length=60)
    city = PersianTextField(label=_("city"), required=False, max_length=60)
    line = PersianTextField(label=_("address"), required=False, max_length=300)
    postal_code = forms.CharField(
        label=_("postal code"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    is_primary = forms.BooleanField(label=_("primary"), required=False)

    def clean_postal_code(self) -> str:
        from .services import _Errors, _postal_code

        errors = _Errors()
        code = _postal_code(errors, "postal_code", self.cleaned_data.get("postal_code"))
        if errors.errors:
            raise forms.ValidationError(errors.errors["postal_code"])
        return code

    def to_input(self) -> AddressInput:
        d = self.cleaned_data
        return AddressInput(
            d["province"],
            d["city"],
            d["postal_code"],
            d["line"],
            d["kind"],
            d["is_primary"],
            d.get("id"),
        )


class MembershipRowForm(_RowForm):
    """A company typed by name; the name must match exactly one company the user can see."""

    value_fields = ("company",)
    company = PersianTextField(
        label=_("company"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "company-names", "autocomplete": "off"}),
    )
    title = PersianTextField(label=_("role or title"), required=False, max_length=120)
    is_primary = forms.BooleanField(label=_("primary company"), required=False)

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        name = data.get("company")
        data["company_obj"] = None
        if name:
            matches = list(
                Company.objects.visible_to(self.user)
                .filter(name=normalize_text(name))
                .only("id", "name")[:2]
            )
            if not matches:
                self.add_error("company", _("No company with this name; add the company first."))
            elif len(matches) > 1:
                self.add_error(
                    "company", _("Several companies have this name; pick it from its own page.")
                )
            else:
                data["company_obj"] = matches[0]
        return data

    def to_input(self) -> MembershipInput:
        d = self.cleaned_data
        return MembershipInput(d["company_obj"], d["title"], d["is_primary"])


class _RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[int, Any]]:
        """(form index, input) of the filled, not deleted rows, in order."""
        result = []
        for index, form in enumerate(self.forms):
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            result.append((index, form.to_input()))
        return result


def _formset(form_class, *, extra: int):
    return forms.formset_factory(
        form_class,
        formset=_RowFormSet,
        extra=extra,
        can_delete=True,
        max_num=20,
        validate_max=True,
        absolute_max=40,
    )


# --- Records ----------------------------------------------------------------------------------


class _RecordForm(forms.Form):
    lifecycle_stage = forms.ChoiceField(
        label=_("lifecycle stage"), choices=LifecycleStage.choices, initial=LifecycleStage.LEAD
    )
    source = forms.ChoiceField(
        label=_("source channel"), choices=BLANK + SourceChannel.choices, required=False
    )
    tags = TagsField()
    notes = PersianTextField(
        label=_("notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    create_anyway = forms.BooleanField(
        label=_("I checked the possible duplicates; save anyway"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field()
        self.fields["team"] = _team_field()


class ContactForm(_RecordForm):
    first_name = PersianTextField(label=_("first name"), required=False, max_length=100)
    last_name = PersianTextField(label=_("last name"), max_length=100)
    first_name_latin = PersianTextField(
        label=_("first name (Latin)"), required=False, max_length=100
    )
    last_name_latin = PersianTextField(label=_("last name (Latin)"), required=False, max_length=100)
    gender = forms.ChoiceField(
        label=_("gender"), choices=BLANK + Contact.Gender.choices, required=False
    )
    national_id = NationalIdField(label=_("national ID"), required=False, max_length=20)
    birthday = JalaliDateField(label=_("birthday"), required=False)
    job_title = PersianTextField(label=_("job title"), required=False, max_length=120)
    consent_email = forms.BooleanField(label=_("agrees to email"), required=False)
    consent_sms = forms.BooleanField(label=_("agrees to SMS"), required=False)
    consent_call = forms.BooleanField(label=_("agrees to calls"), required=False, initial=True)

    field_order = [
        "first_name",
        "last_name",
        "first_name_latin",
        "last_name_latin",
        "gender",
        "national_id",
        "birthday",
        "job_title",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "tags",
        "consent_email",
        "consent_sms",
        "consent_call",
        "notes",
    ]
    scalar_fields = [
        "first_name",
        "last_name",
        "first_name_latin",
        "last_name_latin",
        "gender",
        "national_id",
        "birthday",
        "job_title",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "consent_email",
        "consent_sms",
        "consent_call",
        "notes",
        "tags",
    ]

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        data = {
            name: getattr(contact, name) for name in ContactForm.scalar_fields if name != "tags"
        }
        data["tags"] = [t.name for t in contact.tags.all()]
        return data


class CompanyForm(_RecordForm):
    name = PersianTextField(label=_("name"), max_length=200)
    name_latin = PersianTextField(label=_("Latin name"), required=False, max_length=200)
    national_id = CompanyNationalIdField(
        label=_("company national ID"), required=False, max_length=20
    )
    economic_code = EconomicCodeField(label=_("economic code"), required=False, max_length=20)
    industry = PersianTextField(label=_("industry"), required=False, max_length=100)
    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
    )
    employee_count = forms.IntegerField(
        label=_("employees"), required=False, min_value=0, max_value=10**9 - 1
    )

    field_order = [
        "name",
        "name_latin",
        "national_id",
        "economic_code",
        "industry",
        "website",
        "employee_count",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "tags",
        "notes",
    ]
    scalar_fields = [
        "name",
        "name_latin",
        "national_id",
        "economic_code",
        "industry",
        "website",
        "employee_count",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "notes",
        "tags",
    ]

    @staticmethod
    def initial_for(company: Company) -> dict[str, Any]:
        data = {
            name: getattr(company, name) for name in CompanyForm.scalar_fields if name != "tags"
        }
        data["tags"] = [t.name for t in company.tags.all()]
        return data


class RecordEditor:
    """A record form with its phone, email, address (and, for people, company) rows.

    `index_maps` remembers which form row each service input came from, so an error the
    service reports for "phones.1.number" is shown next to the right field."""

    def __init__(
        self, kind: str, *, user, data=None, record=None, prefill: dict | None = None
    ) -> None:
        self.kind = kind
        self.user = user
        self.record = record
        form_class = ContactForm if kind == "contact" else CompanyForm
        initial = (
            form_class.initial_for(record)
            if record is not None
            else {
                "owner": user.pk,
                "team": user.team_id,
                **(prefill or {}),
            }
        )
        self.form = form_class(data=data, initial=initial)
        extra_new, extra_edit = 2, 1
        sets = {"phones": PhoneRowForm, "emails": EmailRowForm, "addresses": AddressRowForm}
        if kind == "contact":
            sets["memberships"] = MembershipRowForm
        self.formsets: dict[str, _RowFormSet] = {}
        for prefix, row_form in sets.items():
            rows = self._initial_rows(prefix, record, prefill)
            factory = _formset(row_form, extra=extra_edit if rows else extra_new)
            form_kwargs = {"user": user} if prefix == "memberships" else {}
            self.formsets[prefix] = factory(
                data=data, initial=rows, prefix=prefix, form_kwargs=form_kwargs
            )
        self.index_maps: dict[str, list[int]] = {}

    @staticmethod
    def _initial_rows(prefix: str, record, prefill: dict | None) -> list[dict]:
        if record is None:
            return list((prefill or {}).get(prefix, []))
        if prefix == "phones":
            return [
                {"id": p.pk, "number": p.number, "kind": p.kind, "is_primary": p.is_primary}
                for p in record.phones.all()
            ]
        if prefix == "emails":
            return [
                {"id": e.pk, "address": e.address, "kind": e.kind, "is_primary": e.is_primary}
                for e in record.emails.all()
            ]
        if prefix == "addresses":
            return [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "province": a.province,
                    "city": a.city,
                    "line": a.line,
                    "postal_code": a.postal_code,
                    "is_primary": a.is_primary,
                }
                for a in record.addresses.all()
            ]
        return [
            {"company": m.company.name, "title": m.title, "is_primary": m.is_primary}
            for m in record.memberships.all()
        ]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        return valid

    def to_input(self) -> ContactInput | CompanyInput:
        data = {name: self.form.cleaned_data.get(name) for name in self.form.scalar_fields}
        for name in (
            "first_name",
            "last_name",
            "first_name_latin",
            "last_name_latin",
            "job_title",
            "gender",
            "source",
            "name",
            "name_latin",
            "industry",
            "website",
            "notes",
            "national_id",
            "economic_code",
        ):
            if name in data and data[name] is None:
                data[name] = ""
        for prefix, formset in self.formsets.items():
            rows = formset.rows()
            self.index_maps[prefix] = [index for index, _row in rows]
            data[prefix] = [row for _index, row in rows]
        return ContactInput(**data) if self.kind == "contact" else CompanyInput(**data)

    def duplicate_probe(self) -> dict[str, Any]:
        """What find_duplicates compares: the typed phones, emails and national ID."""

        def values(prefix: str, name: str) -> list[str]:
            return [getattr(row, name) for _i, row in self.formsets[prefix].rows()]

        return {
            "phones": values("phones", "number"),
            "emails": values("emails", "address"),
            "national_id": self.form.cleaned_data.get("national_id") or None,
        }

    def add_service_errors(self, error_dict: dict[str, list[str]]) -> None:
        """Show a service ValidationError ({"phones.1.number": [...]}) next to its field."""
        for key, messages in error_dict.items():
            prefix, _dot, rest = key.partition(".")
            if prefix in self.formsets and rest:
                index_text, _dot, field_name = rest.partition(".")
                mapping = self.index_maps.get(prefix, [])
                if index_text.isdigit() and int(index_text) < len(mapping):
                    form = self.formsets[prefix].forms[mapping[int(index_text)]]
                    for message in messages:
                        form.add_error(field_name if field_name in form.fields else None, message)
                    continue
            target = prefix if prefix in self.form.fields and not rest else None
            for message in messages:
                self.form.add_error(target, message)

    @property
    def has_errors(self) -> bool:
        return bool(self.form.errors) or any(
            fs.total_error_count() for fs in self.formsets.values()
        )


# --- Lists ------------------------------------------------------------------------------------


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(
        label=_("lifecycle stage"),
        choices=[("", _("All stages")), *LifecycleStage.choices],
        required=False,
    )
    source = forms.ChoiceField(
        label=_("source channel"),
        choices=[("", _("All sources")), *SourceChannel.choices],
        required=False,
    )
    tag = forms.CharField(label=_("tag"), required=False, max_length=60)
    province = forms.CharField(label=_("province"), required=False, max_length=60)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("name", _("By name")),
            ("updated", _("Recently updated")),
        ],
    )
    company = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = _owner_field()
        owner.empty_label = _("All owners")
        team = _team_field()
        team.empty_label = _("All teams")
        self.fields["owner"] = owner
        self.fields["team"] = team
        self.order_fields(["q", "owner", "team", "stage", "tag", "source", "province", "sort"])

    def filters(self) -> selectors.ListFilters:
        # A bad value in one filter drops that filter only, not the others.
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return selectors.ListFilters(
            owner_id=d["owner"].pk if d.get("owner") else None,
            team_id=d["team"].pk if d.get("team") else None,
            stage=d.get("stage") or "",
            tag=d.get("tag") or "",
            source=d.get("source") or "",
            province=d.get("province") or "",
            company_id=d.get("company") or None,
            q=d.get("q") or "",
        )

    def sort_key(self) -> str:
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("sort") or selectors.DEFAULT_SORT


class MergeForm(forms.Form):
    """One radio per field that differs between the two records."""

    def __init__(
        self, *args: Any, survivor, duplicate, field_names: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        model = type(survivor)
        for name in field_names:
            model_field = model._meta.get_field(name)
            mine, theirs = (
                getattr(survivor, model_field.attname),
                getattr(duplicate, model_field.attname),
            )
            if mine == theirs:
                continue
            default = (
                "duplicate" if (mine in (None, "") and theirs not in (None, "")) else "survivor"
            )
            # Not required: a field left unanswered follows the service's rule (fill if empty).
            self.fields[name] = forms.ChoiceField(
                required=False,
                label=model_field.verbose_name,
                widget=forms.RadioSelect,
                choices=[("survivor", "survivor"), ("duplicate", "duplicate")],
                initial=default,
            )
            self.rows.append((name, model_field, survivor, duplicate))

    def field_choices(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}
