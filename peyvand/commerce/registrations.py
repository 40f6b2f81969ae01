"""What commerce adds to the shared registries: timeline kinds and the customer 360 panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from peyvand.contacts.panels import Panel, register_panel
    from peyvand.search.registry import register_indexer, register_kind
    from peyvand.timeline.registry import register_entry_kind

    from . import search_index
    from .models import ORDERS, PRODUCTS

    template = "commerce/timeline_entry.html"
    register_entry_kind("order", label=_("Order"), icon="🛒", template=template)
    register_entry_kind("order_status", label=_("Order status"), icon="📦", template=template)

    register_kind("product", module=PRODUCTS, label=_("Product"))
    register_indexer(
        "product",
        queryset=search_index.products_to_index,
        document=search_index.product_document,
    )
    register_kind("order", module=ORDERS, label=_("Order"))
    register_indexer(
        "order", queryset=search_index.orders_to_index, document=search_index.order_document
    )

    register_panel(
        Panel(
            key="orders",
            title=_("Orders"),
            template="commerce/contact_panel.html",
            context=_contact_panel_context,
            order=55,
            kinds=("contact", "company"),
            column="side",
            permission=(ORDERS, "view"),
        )
    )


def _contact_panel_context(request, record) -> dict:
    from peyvand.contacts.models import Contact

    from . import selectors

    field = "contact" if isinstance(record, Contact) else "company"
    return selectors.customer_orders(request.user, **{field: record})
