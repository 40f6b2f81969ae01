"""Orders of a customer, for export and erasure (contacts.privacy).

Erasure keeps each order with its number, status, dates, lines and amounts (sales reports and
commissions read them) and blanks the typed customer name, the notes and the import metadata;
the order stays linked to the anonymised customer record."""

from __future__ import annotations

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import Order, OrderLine


def export_orders(record) -> ExportPart:
    field = "company" if record._meta.model_name == "company" else "contact"
    orders = Order.objects.filter(**{field: record}).order_by("created_at", "id")
    data = rows(
        orders, "id", "number", "customer_name", "status", "currency", "notes", "created_at"
    )
    lines = OrderLine.objects.filter(order__in=orders).order_by("order_id", "position")
    by_order: dict[int, list] = {}
    for line in rows(lines, "order_id", "sku", "description", "quantity", "unit_price", "total"):
        by_order.setdefault(line.pop("order_id"), []).append(line)
    for order in data:
        order["lines"] = by_order.get(order["id"], [])
    return ExportPart(data)


def erase_orders(erasure: Erasure) -> None:
    from .search_index import index_order

    orders = Order.objects.filter(erasure.owner_q())
    for name, notes in orders.values_list("customer_name", "notes"):
        erasure.add_strings(name, notes)
    orders.update(customer_name="", notes="", metadata={})
    for order in Order.objects.filter(erasure.owner_q()).select_related("contact", "company"):
        index_order(order)


def register() -> None:
    register_exporter("orders", export_orders, order=40)
    register_eraser("orders", erase_orders)
