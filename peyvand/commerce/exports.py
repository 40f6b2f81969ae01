"""The order list as an exportable list (discovered by peyvand.exports)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import selectors
from .models import ORDERS, Order


def order_rows(user, params: QueryDict):
    from .forms import OrderFilterForm
    from .views import order_filters

    filters = order_filters(OrderFilterForm(params or None))
    return selectors.filter_orders(Order.objects.visible_to(user), filters).order_by(
        *selectors.ORDER_ORDER
    )


LIST_EXPORTS = {
    "orders": {
        "module": ORDERS,
        "label": _("Orders"),
        "list_url": "commerce:order_list",
        "rows": order_rows,
        "columns": [
            ("id", pgettext_lazy("export column", "ID"), "int"),
            ("number", pgettext_lazy("export column", "Number"), "text"),
            ("customer_name", pgettext_lazy("export column", "Customer"), "text"),
            (
                "contact",
                pgettext_lazy("export column", "Contact"),
                "name",
                ("contact__first_name", "contact__last_name"),
            ),
            ("company__name", pgettext_lazy("export column", "Company"), "text"),
            ("ordered_at", pgettext_lazy("export column", "Order date"), "datetime"),
            ("status", pgettext_lazy("export column", "Status"), "choice"),
            ("source", pgettext_lazy("export column", "Source"), "choice"),
            ("currency", pgettext_lazy("export column", "Currency"), "text"),
            ("subtotal", pgettext_lazy("export column", "Subtotal"), "money"),
            ("discount", pgettext_lazy("export column", "Discount"), "money"),
            ("tax", pgettext_lazy("export column", "Tax"), "money"),
            ("total", pgettext_lazy("export column", "Total"), "money"),
            ("owner", pgettext_lazy("export column", "Owner"), "person"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
        ],
    },
}
