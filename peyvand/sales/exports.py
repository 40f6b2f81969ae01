"""The deal list as an exportable list (discovered by peyvand.exports)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import DEALS, Deal
from .selectors import DealFilters, InvalidFilter


def deal_rows(user, params: QueryDict):
    try:
        filters = DealFilters.from_params(params)
    except InvalidFilter:
        # As on the page: a bad filter value shows the unfiltered list.
        filters = DealFilters()
    return filters.apply(Deal.objects.visible_to(user), user).order_by("-id")


LIST_EXPORTS = {
    "deals": {
        "module": DEALS,
        "label": _("Deals"),
        "list_url": "sales:list",
        "rows": deal_rows,
        "columns": [
            ("id", pgettext_lazy("export column", "ID"), "int"),
            ("title", pgettext_lazy("export column", "Title"), "text"),
            (
                "contact",
                pgettext_lazy("export column", "Contact"),
                "name",
                ("contact__first_name", "contact__last_name"),
            ),
            ("company__name", pgettext_lazy("export column", "Company"), "text"),
            ("amount", pgettext_lazy("export column", "Amount"), "money"),
            ("currency", pgettext_lazy("export column", "Currency"), "text"),
            ("pipeline__name", pgettext_lazy("export column", "Pipeline"), "text"),
            ("stage__name", pgettext_lazy("export column", "Stage"), "text"),
            ("status", pgettext_lazy("export column", "Status"), "choice"),
            ("expected_close", pgettext_lazy("export column", "Expected close"), "date"),
            ("owner", pgettext_lazy("export column", "Owner"), "person"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("won_at", pgettext_lazy("export column", "Won"), "datetime"),
            ("lost_at", pgettext_lazy("export column", "Lost"), "datetime"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
        ],
    },
}
