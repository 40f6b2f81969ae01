"""Contacts and companies as exportable lists (discovered by peyvand.exports): the columns, and
the rows exactly as the list pages filter and sort them."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peyvand.accounts.permissions import CONTACTS

from . import selectors
from .models import Company, Contact


def _rows(model, kind: str, sorts: dict[str, list[str]]):
    def rows(user, params: QueryDict):
        from .forms import ListFilterForm

        form = ListFilterForm(params or None)
        qs = selectors._filter(model.objects.visible_to(user), user, kind, form.filters())
        return qs.order_by(*sorts.get(form.sort_key(), sorts[selectors.DEFAULT_SORT]))

    return rows


LIST_EXPORTS = {
    "contacts": {
        "module": CONTACTS,
        "label": _("Contacts"),
        "list_url": "contacts:contact_list",
        "rows": _rows(Contact, "contact", selectors.CONTACT_SORTS),
        "columns": [
            ("id", pgettext_lazy("export column", "ID"), "int"),
            ("first_name", pgettext_lazy("export column", "First name"), "text"),
            ("last_name", pgettext_lazy("export column", "Last name"), "text"),
            ("primary_phone", pgettext_lazy("export column", "Phone"), "phone"),
            ("primary_email", pgettext_lazy("export column", "Email"), "text"),
            ("job_title", pgettext_lazy("export column", "Job title"), "text"),
            ("national_id", pgettext_lazy("export column", "National ID"), "text"),
            ("lifecycle_stage", pgettext_lazy("export column", "Lifecycle stage"), "choice"),
            ("source", pgettext_lazy("export column", "Source"), "choice"),
            ("province", pgettext_lazy("export column", "Province"), "text"),
            ("city", pgettext_lazy("export column", "City"), "text"),
            ("owner", pgettext_lazy("export column", "Owner"), "person"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("last_contacted_at", pgettext_lazy("export column", "Last contacted"), "datetime"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
        ],
    },
    "companies": {
        "module": CONTACTS,
        "label": _("Companies"),
        "list_url": "contacts:company_list",
        "rows": _rows(Company, "company", selectors.COMPANY_SORTS),
        "columns": [
            ("id", pgettext_lazy("export column", "ID"), "int"),
            ("name", pgettext_lazy("export column", "Name"), "text"),
            ("national_id", pgettext_lazy("export column", "Company national ID"), "text"),
            ("economic_code", pgettext_lazy("export column", "Economic code"), "text"),
            ("industry", pgettext_lazy("export column", "Industry"), "text"),
            ("primary_phone", pgettext_lazy("export column", "Phone"), "phone"),
            ("primary_email", pgettext_lazy("export column", "Email"), "text"),
            ("website", pgettext_lazy("export column", "Website"), "text"),
            ("employee_count", pgettext_lazy("export column", "Employees"), "int"),
            ("lifecycle_stage", pgettext_lazy("export column", "Lifecycle stage"), "choice"),
            ("source", pgettext_lazy("export column", "Source"), "choice"),
            ("province", pgettext_lazy("export column", "Province"), "text"),
            ("city", pgettext_lazy("export column", "City"), "text"),
            ("owner", pgettext_lazy("export column", "Owner"), "person"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
        ],
    },
}
