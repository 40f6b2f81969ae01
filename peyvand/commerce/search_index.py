"""How products and orders appear in, and are found by, the global search."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.core.money import format_money
from peyvand.search.services import SearchDocument, index_document

from .models import Order, Product


def product_document(product: Product) -> SearchDocument:
    return SearchDocument(
        title=product.name,
        subtitle=" · ".join(part for part in (product.sku, product.name_en) if part),
        url=product.get_absolute_url(),
        texts=[product.name, product.name_en],
        identifiers=[product.sku],
    )


def order_document(order: Order) -> SearchDocument:
    # The customer's name finds the order too; the language of the stored subtitle is Persian,
    # the default (search results are not re-rendered per user).
    customer = order.customer_display
    return SearchDocument(
        title=order.number or f"#{order.pk}",
        subtitle=" · ".join(
            part for part in (customer, format_money(order.total, order.currency, "fa")) if part
        ),
        url=order.get_absolute_url(),
        texts=[customer],
        identifiers=[order.number or "", order.external_id],
        owner_id=order.owner_id,
        team_id=order.team_id,
    )


def products_to_index() -> QuerySet:
    return Product.objects.order_by("pk")


def orders_to_index() -> QuerySet:
    return Order.objects.select_related("contact", "company").order_by("pk")


def index_product(product: Product) -> None:
    index_document("product", product.pk, product_document(product))


def index_order(order: Order) -> None:
    index_document("order", order.pk, order_document(order))
