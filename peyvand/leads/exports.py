"""The lead list as an exportable list (discovered by peyvand.exports)."""

from __future__ import annotations

from types import SimpleNamespace

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import selectors
from .models import LEADS


def lead_rows(user, params: QueryDict):
    from .views import _filters

    filters = _filters(SimpleNamespace(GET=params))
    return selectors.lead_list(user, filters).order_by(*selectors.LIST_ORDER)


LIST_EXPORTS = {
    "leads": {
        "module": LEADS,
        "label": _("Leads"),
        "list_url": "leads:list",
        "rows": lead_rows,
        "columns": [
            ("id", pgettext_lazy("export column", "ID"), "int"),
            ("first_name", pgettext_lazy("export column", "First name"), "text"),
            ("last_name", pgettext_lazy("export column", "Last name"), "text"),
            ("company_name", pgettext_lazy("export column", "Company"), "text"),
            ("phone", pgettext_lazy("export column", "Phone"), "phone"),
            ("email", pgettext_lazy("export column", "Email"), "text"),
            ("city", pgettext_lazy("export column", "City"), "text"),
            ("channel", pgettext_lazy("export column", "Channel"), "choice"),
            ("source_name", pgettext_lazy("export column", "Source"), "text"),
            ("product", pgettext_lazy("export column", "Product"), "text"),
            ("status", pgettext_lazy("export column", "Status"), "choice"),
            ("score", pgettext_lazy("export column", "Score"), "int"),
            ("band", pgettext_lazy("export column", "Band"), "choice"),
            ("owner", pgettext_lazy("export column", "Owner"), "person"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
            ("first_contacted_at", pgettext_lazy("export column", "First contacted"), "datetime"),
        ],
    },
}
