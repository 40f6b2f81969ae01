"""Reads: product, price list and order lists, a customer's orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from peyvand.core.pagination import KeysetPage, paginate_keyset
from peyvand.core.persian import normalize_text

from .models import COUNTED_STATUSES, Order, PriceList, Product

ORDER_LIST_COLUMNS = (
    "id",
    "number",
    "contact_id",
    "company_id",
    "customer_name",
    "owner_id",
    "team_id",
    "ordered_at",
    "status",
    "currency",
    "total",
    "source",
    "external_id",
)
ORDER_ORDER = ["-ordered_at", "-id"]
PRODUCT_COLUMNS = (
    "id",
    "sku",
    "name",
    "name_en",
    "category_id",
    "unit",
    "unit_price",
    "currency",
    "tax_rate",
    "cost_price",
    "is_active",
)
PRODUCT_ORDER = ["name", "id"]


@dataclass
class OrderFilters:
    status: str = ""
    owner: int | None = None
    team: int | None = None
    contact: int | None = None
    company: int | None = None
    source: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    q: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def filter_orders(qs: QuerySet, filters: OrderFilters) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.contact:
        qs = qs.filter(contact_id=filters.contact)
    if filters.company:
        qs = qs.filter(company_id=filters.company)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.date_from:
        qs = qs.filter(ordered_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(ordered_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.q:
        text = normalize_text(filters.q)
        qs = qs.filter(
            Q(number__iexact=text) | Q(external_id=text) | Q(customer_name__icontains=text)
        )
    return qs


def order_page(user, filters: OrderFilters, *, cursor: str | None, limit: int = 50) -> KeysetPage:
    """One page of the orders `user` may see, newest first. Raises InvalidCursor."""
    qs = filter_orders(Order.objects.visible_to(user), filters)
    qs = qs.select_related("contact", "company", "owner").only(
        *ORDER_LIST_COLUMNS,
        "contact__first_name",
        "contact__last_name",
        "company__name",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
    )
    return paginate_keyset(qs, order=ORDER_ORDER, cursor=cursor, limit=limit)


def visible_order(user, pk: int) -> Order:
    """The order with its lines, or Order.DoesNotExist when missing or not visible."""
    return (
        Order.objects.visible_to(user)
        .select_related("contact", "company", "owner", "team", "price_list", "created_by")
        .get(pk=pk)
    )


def order_lines(order: Order):
    return order.lines.select_related("product").order_by("position", "id")


def product_page(
    *,
    active: bool | None = None,
    category: int | None = None,
    q: str = "",
    cursor: str | None,
    limit: int = 50,
) -> KeysetPage:
    qs = Product.objects.select_related("category").only(
        *PRODUCT_COLUMNS, "category__name", "category__name_en"
    )
    if active is not None:
        qs = qs.filter(is_active=active)
    if category:
        qs = qs.filter(category_id=category)
    if q:
        text = normalize_text(q)
        qs = qs.filter(Q(sku__iexact=text) | Q(name__icontains=text) | Q(name_en__icontains=text))
    return paginate_keyset(qs, order=PRODUCT_ORDER, cursor=cursor, limit=limit)


def price_lists() -> QuerySet:
    return PriceList.objects.annotate(item_count=Count("items")).order_by("name", "id")


def customer_orders(user, *, contact=None, company=None, limit: int = 10) -> dict:
    """The 360-page panel: the latest orders and what the customer has bought in total."""
    qs = Order.objects.visible_to(user)
    qs = qs.filter(contact=contact) if contact is not None else qs.filter(company=company)
    recent = list(
        qs.only("id", "number", "ordered_at", "status", "currency", "total").order_by(
            "-ordered_at", "-id"
        )[:limit]
    )
    sums = (
        qs.filter(status__in=COUNTED_STATUSES)
        .values("currency")
        .annotate(total=Sum("total"), count=Count("id"))
        .order_by("currency")
    )
    return {
        "orders": recent,
        "order_sums": [
            {"currency": s["currency"], "total": s["total"] or Decimal(0), "count": s["count"]}
            for s in sums
        ],
    }
