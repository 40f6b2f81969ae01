"""/api/v1/commerce: products, categories, price lists and orders, plus an idempotent bulk upsert
of orders by (source, external_id) for shops and accounting software.

Same permissions as the pages: `products` for products and price lists, `orders` for orders; an
order you may not see answers 404. Amounts are sent and returned as decimal strings (never
floats): Rial and Toman amounts are whole numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from peyvand.accounts.permissions import ADD, CHANGE, VIEW, declares_permission, require_perm
from peyvand.core.dates import InvalidDate, parse_date
from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .models import (
    ORDERS,
    PRODUCTS,
    Order,
    OrderSource,
    OrderStatus,
    PriceList,
    Product,
    ProductCategory,
)

router = Router(tags=["Products and orders"])

Amount = Decimal | str | int
BULK_MAX = 200


def _amount(value: Decimal | None, currency: str | None = None) -> str | None:
    if value is None:
        return None
    if currency:
        return str(services.round_money(value, currency))
    return services.plain_amount(value)


def _limit(limit: int) -> int:
    return max(1, min(limit, settings.API_MAX_PAGE_SIZE))


def _bad_cursor(exc: Exception):
    raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc


def _fields(payload: Schema) -> dict[str, Any]:
    """Only the fields the caller sent (so PATCH changes only those)."""
    return payload.model_dump(exclude_unset=True)


# --- Schemas --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    id: int
    name: str
    name_en: str
    parent_id: int | None


class CategoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    name_en: str = ""
    parent: int | None = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    name_en: str
    description: str
    category: Ref | None
    unit: str
    unit_price: str
    currency: str
    tax_rate: str
    cost_price: str
    is_active: bool
    url: str


class ProductIn(Schema):
    model_config = ConfigDict(extra="forbid")

    sku: str | None = None
    name: str | None = None
    name_en: str | None = None
    description: str | None = None
    category: int | None = None
    unit: str | None = None
    unit_price: Amount | None = None
    currency: str | None = None
    tax_rate: Amount | None = Field(None, description="Percent; default: the configured VAT.")
    cost_price: Amount | None = None
    is_active: bool | None = None


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class PriceItemOut(Schema):
    product_id: int
    sku: str
    name: str
    unit_price: str


class PriceListOut(Schema):
    id: int
    name: str
    description: str
    currency: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    is_active: bool


class PriceListDetailOut(PriceListOut):
    items: list[PriceItemOut]


class PriceItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: int
    unit_price: Amount


class PriceListIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    currency: str | None = None
    valid_from: str | None = Field(None, description="1403/05/12 (Solar Hijri) or 2024-08-02.")
    valid_until: str | None = None
    is_active: bool | None = None
    items: list[PriceItemIn] | None = Field(None, description="When sent, replaces all prices.")


class LineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: int | None = None
    sku: str | None = Field(None, description="Instead of `product`: the product's SKU.")
    description: str | None = None
    quantity: Amount
    unit_price: Amount | None = Field(None, description="Default: price list, then product.")
    discount: Amount | None = Field(None, description="An amount, not a percentage.")
    tax_rate: Amount | None = Field(None, description="Percent; default: the product's rate.")
    unit_cost: Amount | None = None


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    number: str | None = None
    contact: int | None = None
    company: int | None = None
    customer_name: str | None = None
    owner: int | None = None
    team: int | None = None
    ordered_at: dt.datetime | str | None = Field(
        None, description="ISO 8601, or 1403/05/12 14:30 (Solar Hijri)."
    )
    status: str | None = None
    currency: str | None = None
    price_list: int | None = None
    source: str | None = None
    external_id: str | None = None
    notes: str | None = None
    metadata: dict | None = None
    lines: list[LineIn] | None = None


class LineOut(Schema):
    id: int
    position: int
    product_id: int | None
    sku: str
    description: str
    quantity: str
    unit_price: str
    discount: str
    tax_rate: str
    unit_cost: str
    subtotal: str
    net: str
    tax: str
    total: str


class OrderOut(Schema):
    id: int
    number: str
    contact_id: int | None
    company_id: int | None
    customer_name: str
    owner_id: int | None
    team_id: int | None
    ordered_at: dt.datetime
    status: str
    currency: str
    subtotal: str
    discount: str
    tax: str
    total: str
    source: str
    external_id: str
    url: str


class OrderDetailOut(OrderOut):
    price_list_id: int | None
    cost_total: str
    profit: str
    notes: str
    metadata: dict
    confirmed_at: dt.datetime | None
    paid_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    refunded_at: dt.datetime | None
    created_at: dt.datetime
    lines: list[LineOut]


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderStatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: str
    note: str = ""


class BulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="shop, accounting, import, api, deal or quote.")
    orders: list[OrderIn] = Field(description=f"At most {BULK_MAX}; each needs external_id.")


class BulkOut(Schema):
    created: list[int]
    updated: list[int]
    errors: dict[str, dict[str, list[str]]]


class TotalsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    currency: str = "IRR"
    lines: list[LineIn]


class LineAmountsOut(Schema):
    subtotal: str
    discount: str
    net: str
    tax: str
    total: str


class TotalsOut(Schema):
    lines: list[LineAmountsOut]
    subtotal: str
    discount: str
    tax: str
    total: str


# --- Output ---------------------------------------------------------------------------------


def _product_out(product: Product) -> dict:
    category = product.category
    return {
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "name_en": product.name_en,
        "description": product.description,
        "category": {"id": category.pk, "name": category.name} if category else None,
        "unit": product.unit,
        "unit_price": _amount(product.unit_price),
        "currency": product.currency,
        "tax_rate": _amount(product.tax_rate),
        "cost_price": _amount(product.cost_price),
        "is_active": product.is_active,
        "url": product.get_absolute_url(),
    }


def _price_list_out(price_list: PriceList, *, items: bool = False) -> dict:
    out = {
        "id": price_list.pk,
        "name": price_list.name,
        "description": price_list.description,
        "currency": price_list.currency,
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "is_active": price_list.is_active,
    }
    if items:
        out["items"] = [
            {
                "product_id": item.product_id,
                "sku": item.product.sku,
                "name": item.product.name,
                "unit_price": _amount(item.unit_price),
            }
            for item in price_list.items.select_related("product").order_by("product__name")
        ]
    return out


def _order_out(order: Order) -> dict:
    currency = order.currency
    return {
        "id": order.pk,
        "number": order.number or "",
        "contact_id": order.contact_id,
        "company_id": order.company_id,
        "customer_name": order.customer_name,
        "owner_id": order.owner_id,
        "team_id": order.team_id,
        "ordered_at": order.ordered_at,
        "status": order.status,
        "currency": currency,
        "subtotal": _amount(order.subtotal, currency),
        "discount": _amount(order.discount, currency),
        "tax": _amount(order.tax, currency),
        "total": _amount(order.total, currency),
        "source": order.source,
        "external_id": order.external_id,
        "url": order.get_absolute_url(),
    }


def _order_detail_out(order: Order) -> dict:
    currency = order.currency
    return {
        **_order_out(order),
        "price_list_id": order.price_list_id,
        "cost_total": _amount(order.cost_total, currency),
        "profit": _amount(order.profit, currency),
        "notes": order.notes,
        "metadata": order.metadata,
        "confirmed_at": order.confirmed_at,
        "paid_at": order.paid_at,
        "fulfilled_at": order.fulfilled_at,
        "cancelled_at": order.cancelled_at,
        "refunded_at": order.refunded_at,
        "created_at": order.created_at,
        "lines": [
            {
                "id": line.pk,
                "position": line.position,
                "product_id": line.product_id,
                "sku": line.sku,
                "description": line.description,
                "quantity": _amount(line.quantity),
                "unit_price": _amount(line.unit_price),
                "discount": _amount(line.discount, currency),
                "tax_rate": _amount(line.tax_rate),
                "unit_cost": _amount(line.unit_cost),
                "subtotal": _amount(line.subtotal, currency),
                "net": _amount(line.net, currency),
                "tax": _amount(line.tax, currency),
                "total": _amount(line.total, currency),
            }
            for line in order.lines.order_by("position", "id")
        ],
    }


def _order_data(payload: OrderIn) -> dict[str, Any]:
    data = _fields(payload)
    if "lines" in data:
        data["lines"] = [
            {k: v for k, v in line.items() if v is not None} for line in data["lines"] or []
        ]
    return data


def _visible_order(user, order_id: int) -> Order:
    try:
        return selectors.visible_order(user, order_id)
    except Order.DoesNotExist as exc:
        raise Http404 from exc


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except InvalidDate as exc:
        raise ValidationError({name: [_("Enter a valid date, e.g. 1403/05/12.")]}) from exc


# --- Products -------------------------------------------------------------------------------


@router.get("/products", response=ProductPage, summary="List products by name")
@declares_permission(PRODUCTS, VIEW)
def list_products(
    request,
    active: bool | None = None,
    category_id: int | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    require_perm(request.user, PRODUCTS, VIEW)
    try:
        page = selectors.product_page(
            active=active,
            category=category_id,
            q=q.strip()[:100],
            cursor=cursor,
            limit=_limit(limit),
        )
    except InvalidCursor as exc:
        _bad_cursor(exc)
    return {"items": [_product_out(p) for p in page.items], "next_cursor": page.next_cursor}


@router.post("/products", response={201: ProductOut}, summary="Add a product")
@declares_permission(PRODUCTS, ADD)
def create_product(request, payload: ProductIn):
    require_perm(request.user, PRODUCTS, ADD)
    product = services.create_product(user=request.user, data=_fields(payload))
    return Status(201, _product_out(product))


@router.get("/products/{int:product_id}", response=ProductOut, summary="One product")
@declares_permission(PRODUCTS, VIEW)
def get_product(request, product_id: int):
    require_perm(request.user, PRODUCTS, VIEW)
    product = Product.objects.select_related("category").filter(pk=product_id).first()
    if product is None:
        raise Http404
    return _product_out(product)


@router.patch("/products/{int:product_id}", response=ProductOut, summary="Change a product")
@declares_permission(PRODUCTS, CHANGE)
def update_product(request, product_id: int, payload: ProductIn):
    require_perm(request.user, PRODUCTS, CHANGE)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404
    product = services.update_product(product, user=request.user, data=_fields(payload))
    return _product_out(product)


@router.get("/categories", response=list[CategoryOut], summary="Product categories")
@declares_permission(PRODUCTS, VIEW)
def list_categories(request):
    require_perm(request.user, PRODUCTS, VIEW)
    return list(ProductCategory.objects.order_by("name", "id"))


@router.post("/categories", response={201: CategoryOut}, summary="Add a product category")
@declares_permission(PRODUCTS, CHANGE)
def create_category(request, payload: CategoryIn):
    require_perm(request.user, PRODUCTS, CHANGE)
    return Status(201, services.save_category(data=_fields(payload)))


# --- Price lists ----------------------------------------------------------------------------


@router.get("/price-lists", response=list[PriceListOut], summary="Price lists")
@declares_permission(PRODUCTS, VIEW)
def list_price_lists(request):
    require_perm(request.user, PRODUCTS, VIEW)
    return [_price_list_out(p) for p in PriceList.objects.order_by("name", "id")]


@router.post("/price-lists", response={201: PriceListDetailOut}, summary="Add a price list")
@declares_permission(PRODUCTS, ADD)
def create_price_list(request, payload: PriceListIn):
    require_perm(request.user, PRODUCTS, ADD)
    price_list = services.save_price_list(data=_fields(payload))
    return Status(201, _price_list_out(price_list, items=True))


@router.get(
    "/price-lists/{int:price_list_id}", response=PriceListDetailOut, summary="One price list"
)
@declares_permission(PRODUCTS, VIEW)
def get_price_list(request, price_list_id: int):
    require_perm(request.user, PRODUCTS, VIEW)
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise Http404
    return _price_list_out(price_list, items=True)


@router.patch(
    "/price-lists/{int:price_list_id}",
    response=PriceListDetailOut,
    summary="Change a price list (items, when sent, replace all prices)",
)
@declares_permission(PRODUCTS, CHANGE)
def update_price_list(request, price_list_id: int, payload: PriceListIn):
    require_perm(request.user, PRODUCTS, CHANGE)
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise Http404
    price_list = services.save_price_list(data=_fields(payload), price_list=price_list)
    return _price_list_out(price_list, items=True)


# --- Orders ---------------------------------------------------------------------------------


@router.get("/orders", response=OrderPage, summary="List orders, newest first")
@declares_permission(ORDERS, VIEW)
def list_orders(
    request,
    status: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    source: str = "",
    date_from: str | None = None,
    date_to: str | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Dates are inclusive, Solar Hijri (1403/05/12) or Gregorian (2024-08-02). Page on with
    `next_cursor`."""
    require_perm(request.user, ORDERS, VIEW)
    errors: dict[str, list[str]] = {}
    if status and status not in OrderStatus.values:
        errors["status"] = [_("Choose one of the listed options.")]
    if source and source not in OrderSource.values:
        errors["source"] = [_("Choose one of the listed options.")]
    if errors:
        raise ValidationError(errors)
    filters = selectors.OrderFilters(
        status=status,
        owner=owner_id,
        team=team_id,
        contact=contact_id,
        company=company_id,
        source=source,
        date_from=_date("date_from", date_from),
        date_to=_date("date_to", date_to),
        q=q.strip()[:100],
    )
    try:
        page = selectors.order_page(request.user, filters, cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        _bad_cursor(exc)
    return {"items": [_order_out(o) for o in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut},
    summary="Record an order (upsert when external_id is sent)",
)
@declares_permission(ORDERS, ADD)
def create_order(request, payload: OrderIn):
    """With `external_id` (and `source`, default api) the call is idempotent: the first call
    creates the order (201), later ones update it (200)."""
    require_perm(request.user, ORDERS, ADD)
    data = _order_data(payload)
    if data.get("external_id"):
        require_perm(request.user, ORDERS, CHANGE)
        order, created = services.import_order(
            user=request.user,
            data=data,
            source=data.get("source") or OrderSource.API,
            external_id=data["external_id"],
        )
        return Status(201 if created else 200, _order_detail_out(order))
    data.setdefault("source", OrderSource.API)
    order = services.record_order(user=request.user, data=data)
    return Status(201, _order_detail_out(order))


@router.post("/orders/bulk", response=BulkOut, summary="Upsert a batch of orders by external id")
@declares_permission(ORDERS, ADD)
@declares_permission(ORDERS, CHANGE)
def bulk_upsert(request, payload: BulkIn):
    """Each order is saved on its own (all or nothing per order); `errors` maps the index of
    each refused order to its field errors. Sending the same batch again changes nothing."""
    require_perm(request.user, ORDERS, ADD)
    require_perm(request.user, ORDERS, CHANGE)
    if payload.source not in OrderSource.values:
        raise ValidationError({"source": [_("Choose one of the listed options.")]})
    if len(payload.orders) > BULK_MAX:
        raise ValidationError(
            {"orders": [_("Send at most %(max)d orders per batch.") % {"max": BULK_MAX}]}
        )
    rows = [_order_data(order) for order in payload.orders]
    result = services.import_orders(user=request.user, rows=rows, source=payload.source)
    return {
        "created": result.created,
        "updated": result.updated,
        "errors": {str(k): v for k, v in result.errors.items()},
    }


@router.post("/orders/totals", response=TotalsOut, summary="Calculate totals without saving")
@declares_permission(ORDERS, VIEW)
def preview_totals(request, payload: TotalsIn):
    require_perm(request.user, ORDERS, VIEW)
    totals = services.compute_totals(
        [_fields(line) for line in payload.lines], currency=payload.currency
    )
    cur = payload.currency
    return {
        "lines": [
            {
                "subtotal": _amount(a.subtotal, cur),
                "discount": _amount(a.discount, cur),
                "net": _amount(a.net, cur),
                "tax": _amount(a.tax, cur),
                "total": _amount(a.total, cur),
            }
            for a in totals.lines
        ],
        "subtotal": _amount(totals.subtotal, cur),
        "discount": _amount(totals.discount, cur),
        "tax": _amount(totals.tax, cur),
        "total": _amount(totals.total, cur),
    }


@router.get("/orders/{int:order_id}", response=OrderDetailOut, summary="One order with lines")
@declares_permission(ORDERS, VIEW)
def get_order(request, order_id: int):
    require_perm(request.user, ORDERS, VIEW)
    return _order_detail_out(_visible_order(request.user, order_id))


@router.patch("/orders/{int:order_id}", response=OrderDetailOut, summary="Change an order")
@declares_permission(ORDERS, CHANGE)
def update_order(request, order_id: int, payload: OrderIn):
    """Only the fields sent change; `lines`, when sent, replace all lines (draft and confirmed
    orders only). `status` moves only along the allowed steps (see /status)."""
    require_perm(request.user, ORDERS, CHANGE)
    order = _visible_order(request.user, order_id)
    data = _order_data(payload)
    for locked in ("source", "external_id"):
        if locked in data and data[locked] != getattr(order, locked):
            raise ValidationError({locked: [_("This field cannot be changed.")]})
        data.pop(locked, None)
    services.update_order(order, user=request.user, data=data)
    return _order_detail_out(_visible_order(request.user, order_id))


@router.post("/orders/{int:order_id}/status", response=OrderDetailOut, summary="Change status")
@declares_permission(ORDERS, CHANGE)
def change_status(request, order_id: int, payload: OrderStatusIn):
    """draft → confirmed/paid/cancelled; confirmed → draft/paid/fulfilled/cancelled; paid →
    fulfilled/refunded; fulfilled → paid/refunded; cancelled → draft."""
    require_perm(request.user, ORDERS, CHANGE)
    order = _visible_order(request.user, order_id)
    services.change_order_status(order, user=request.user, status=payload.status, note=payload.note)
    return _order_detail_out(_visible_order(request.user, order_id))
