"""Products, price lists and orders pages. Thin: forms collect, services write, selectors read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import ADD, CHANGE, SETTINGS, VIEW, has_perm, permission_required
from peyvand.contacts.models import Company, Contact
from peyvand.core.dates import format_datetime
from peyvand.core.pagination import InvalidCursor
from peyvand.core.persian import normalize_text

from . import selectors, services
from .forms import (
    LINE_FIELDS,
    CategoryForm,
    ListPriceForm,
    OrderFilterForm,
    OrderHeaderForm,
    OrderStatusForm,
    PriceListForm,
    ProductForm,
    SettingsForm,
    lines_from_post,
)
from .models import (
    ORDERS,
    PRODUCTS,
    CommerceSettings,
    Order,
    OrderStatus,
    PriceList,
    PriceListItem,
    Product,
    ProductCategory,
)

PAGE_SIZE = 50
EMPTY_ROWS = 3


_requires = permission_required


def _service_errors(form, exc: ValidationError) -> dict[str, list[str]]:
    """Put service errors next to the form's fields; returns the ones the form has no field for."""
    rest: dict[str, list[str]] = {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return rest
    for field, errors in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            rest[field] = errors
    return rest


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Products -------------------------------------------------------------------------------


@_requires(PRODUCTS, VIEW)
def product_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    active = {"1": True, "0": False}.get(get.get("active", "1"))
    try:
        page = selectors.product_page(
            active=active,
            category=_int(get.get("category")),
            q=(get.get("q") or "").strip()[:100],
            cursor=get.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        return redirect(request.path)
    return render(
        request,
        "commerce/product_list.html",
        {
            "page": page,
            "active": get.get("active", "1"),
            "category": _int(get.get("category")),
            "q": get.get("q", ""),
            "categories": ProductCategory.objects.order_by("name"),
        },
    )


@_requires(PRODUCTS, VIEW)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    list_prices = PriceListItem.objects.filter(product=product).select_related("price_list")
    return render(
        request,
        "commerce/product_detail.html",
        {"product": product, "list_prices": list_prices},
    )


def _product_form_page(request: HttpRequest, product: Product | None) -> HttpResponse:
    settings_ = CommerceSettings.current()
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                if product is None:
                    product = services.create_product(user=request.user, data=form.service_data())
                else:
                    product = services.update_product(
                        product, user=request.user, data=form.service_data()
                    )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The product was saved."))
                return redirect(product)
        status = 422
    else:
        initial = {"currency": settings_.default_currency, "tax_rate": settings_.default_tax_rate}
        if product is not None:
            initial = {
                name: getattr(product, name)
                for name in ProductForm.base_fields
                if name != "category"
            }
            initial["category"] = product.category_id
        form = ProductForm(
            initial={
                k: services.plain_amount(v) if isinstance(v, Decimal) else v
                for k, v in initial.items()
            }
        )
        status = 200
    return render(
        request, "commerce/product_form.html", {"form": form, "product": product}, status=status
    )


@_requires(PRODUCTS, ADD)
def product_create(request: HttpRequest) -> HttpResponse:
    return _product_form_page(request, None)


@_requires(PRODUCTS, CHANGE)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _product_form_page(request, get_object_or_404(Product, pk=pk))


@_requires(PRODUCTS, VIEW)
def category_list(request: HttpRequest) -> HttpResponse:
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if not has_perm(request.user, PRODUCTS, CHANGE):
            raise PermissionDenied(_("You do not have permission to do this."))
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                services.save_category(data=form.cleaned_data)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The category was added."))
                return redirect("commerce:category_list")
        status = 422
    categories = ProductCategory.objects.select_related("parent").order_by("name")
    return render(
        request,
        "commerce/category_list.html",
        {"categories": categories, "form": form},
        status=status,
    )


# --- Price lists ----------------------------------------------------------------------------


@_requires(PRODUCTS, VIEW)
def price_list_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "commerce/price_list_list.html", {"price_lists": selectors.price_lists()}
    )


@_requires(PRODUCTS, VIEW)
def price_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(PriceList, pk=pk)
    return _price_list_detail(request, price_list, ListPriceForm())


def _price_list_detail(request, price_list: PriceList, form, status: int = 200) -> HttpResponse:
    items = price_list.items.select_related("product").only(
        "id", "unit_price", "product__id", "product__sku", "product__name", "product__unit_price"
    )
    return render(
        request,
        "commerce/price_list_detail.html",
        {"price_list": price_list, "items": items, "form": form},
        status=status,
    )


@require_POST
@_requires(PRODUCTS, CHANGE)
def price_list_item(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(PriceList, pk=pk)
    if "remove" in request.POST:
        product = get_object_or_404(Product, pk=_int(request.POST.get("remove")) or 0)
        services.set_list_price(price_list, product, None)
        return redirect(price_list)
    form = ListPriceForm(request.POST)
    if form.is_valid():
        try:
            services.set_list_price(
                price_list, form.cleaned_data["product"], form.cleaned_data["unit_price"]
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The price was saved."))
            return redirect(price_list)
    return _price_list_detail(request, price_list, form, status=422)


def _price_list_form_page(request: HttpRequest, price_list: PriceList | None) -> HttpResponse:
    if request.method == "POST":
        form = PriceListForm(request.POST)
        if form.is_valid():
            try:
                price_list = services.save_price_list(data=form.cleaned_data, price_list=price_list)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The price list was saved."))
                return redirect(price_list)
        status = 422
    else:
        initial: dict[str, Any] = {"currency": CommerceSettings.current().default_currency}
        if price_list is not None:
            initial = {name: getattr(price_list, name) for name in PriceListForm.base_fields}
        form = PriceListForm(initial=initial)
        status = 200
    return render(
        request,
        "commerce/price_list_form.html",
        {"form": form, "price_list": price_list},
        status=status,
    )


@_requires(PRODUCTS, ADD)
def price_list_create(request: HttpRequest) -> HttpResponse:
    return _price_list_form_page(request, None)


@_requires(PRODUCTS, CHANGE)
def price_list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _price_list_form_page(request, get_object_or_404(PriceList, pk=pk))


@_requires(SETTINGS, CHANGE)
def commerce_settings(request: HttpRequest) -> HttpResponse:
    current = CommerceSettings.current()
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.save_settings(data=form.cleaned_data)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("commerce:settings")
        status = 422
    else:
        form = SettingsForm(
            initial={
                "default_tax_rate": services.plain_amount(current.default_tax_rate),
                "default_currency": current.default_currency,
            }
        )
    return render(request, "commerce/settings.html", {"form": form}, status=status)


# --- Orders ---------------------------------------------------------------------------------


def _order(request: HttpRequest, pk: int) -> Order:
    try:
        return selectors.visible_order(request.user, pk)
    except Order.DoesNotExist as exc:
        raise Http404 from exc


def order_filters(form: OrderFilterForm) -> selectors.OrderFilters:
    """The list's filters from its form (also used by the order export)."""
    if not (form.is_bound and form.is_valid()):
        return selectors.OrderFilters()
    data = form.cleaned_data
    return selectors.OrderFilters(
        status=data["status"],
        owner=data["owner"].pk if data["owner"] else None,
        team=data["team"].pk if data["team"] else None,
        date_from=data["date_from"],
        date_to=data["date_to"],
        q=data["q"].strip(),
    )


@_requires(ORDERS, VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    filters = order_filters(form)
    try:
        page = selectors.order_page(
            request.user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        return redirect(request.path)
    return render(request, "commerce/order_list.html", {"page": page, "form": form})


@_requires(ORDERS, VIEW)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return _order_detail(request, order, OrderStatusForm())


def _order_detail(request, order: Order, status_form, status: int = 200) -> HttpResponse:
    moves = services.STATUS_FLOW.get(order.status, frozenset())
    status_form.fields["status"].choices = [c for c in OrderStatus.choices if c[0] in moves]
    return render(
        request,
        "commerce/order_detail.html",
        {
            "order": order,
            "lines": selectors.order_lines(order),
            "status_form": status_form,
            "can_change": has_perm(request.user, ORDERS, CHANGE),
            "can_see_contacts": has_perm(request.user, "contacts", VIEW),
        },
        status=status,
    )


@require_POST
@_requires(ORDERS, CHANGE)
def order_status(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = OrderStatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_order_status(
                order,
                user=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect(order)
    return _order_detail(request, order, form, status=422)


def _products_for_lines():
    return Product.objects.active().only("id", "sku", "name", "unit_price", "currency", "tax_rate")


def _empty_rows(start: int, count: int) -> list[dict[str, str]]:
    return [{**dict.fromkeys(LINE_FIELDS, ""), "index": str(start + i)} for i in range(count)]


def _customer_choice(kind: str, pk: Any, user):
    pk = _int(str(pk)) if pk not in (None, "") else None
    if not pk:
        return None
    model = Contact if kind == "contact" else Company
    return model.objects.visible_to(user).filter(pk=pk).first()


def _order_form_page(request: HttpRequest, order: Order | None) -> HttpResponse:
    line_errors: dict[str, dict[str, list[str]]] = {}
    other_errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = OrderHeaderForm(request.POST)
        lines, row_numbers, rows = lines_from_post(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            data["lines"] = lines
            if order is not None and not order.is_editable:
                data.pop("lines")
                data.pop("currency")
            try:
                if order is None:
                    order = services.record_order(user=request.user, data=data)
                else:
                    order = services.update_order(order, user=request.user, data=data)
            except ValidationError as exc:
                for key, errors in _service_errors(form, exc).items():
                    parts = key.split(".")
                    if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
                        position = int(parts[1])
                        row = str(row_numbers[position]) if position < len(row_numbers) else "0"
                        line_errors.setdefault(row, {})[parts[2]] = errors
                    else:
                        other_errors.extend(errors)
            else:
                messages.success(request, _("The order was saved."))
                return redirect(order)
        status = 422
        if not rows:
            rows = _empty_rows(0, EMPTY_ROWS)
    else:
        settings_ = CommerceSettings.current()
        if order is None:
            form = OrderHeaderForm(
                initial={
                    "currency": settings_.default_currency,
                    "owner": request.user.pk,
                    "contact": request.GET.get("contact", ""),
                    "company": request.GET.get("company", ""),
                }
            )
            rows = _empty_rows(0, EMPTY_ROWS)
        else:
            form = OrderHeaderForm(
                initial={
                    "contact": order.contact_id or "",
                    "company": order.company_id or "",
                    "customer_name": order.customer_name,
                    "ordered_at": format_datetime(order.ordered_at),
                    "currency": order.currency,
                    "price_list": order.price_list_id,
                    "owner": order.owner_id,
                    "notes": order.notes,
                }
            )
            rows = [
                {
                    "index": str(i),
                    "product": str(line.product_id or ""),
                    "description": line.description,
                    "quantity": services.plain_amount(line.quantity),
                    "unit_price": services.plain_amount(line.unit_price),
                    "discount": services.plain_amount(line.discount),
                    "tax_rate": services.plain_amount(line.tax_rate),
                }
                for i, line in enumerate(selectors.order_lines(order))
            ]
    for row in rows:
        row["errors"] = line_errors.get(row["index"], {})
    contact = _customer_choice("contact", form["contact"].value(), request.user)
    company = _customer_choice("company", form["company"].value(), request.user)
    return render(
        request,
        "commerce/order_form.html",
        {
            "form": form,
            "order": order,
            "rows": rows,
            "products": list(_products_for_lines()),
            "other_errors": other_errors,
            "contact": contact,
            "company": company,
            "lines_editable": order is None or order.is_editable,
        },
        status=status,
    )


@_requires(ORDERS, ADD)
def order_create(request: HttpRequest) -> HttpResponse:
    return _order_form_page(request, None)


@_requires(ORDERS, CHANGE)
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_form_page(request, _order(request, pk))


@_requires(ORDERS, ADD)
def order_line_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty line row for the order form."""
    index = min(max(_int(request.GET.get("index")) or 0, 0), 999)
    return render(
        request,
        "commerce/_line_row.html",
        {"row": _empty_rows(index, 1)[0], "products": list(_products_for_lines())},
    )


@_requires(ORDERS, ADD)
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: contacts and companies the user may see matching the typed name or phone."""
    text = normalize_text(request.GET.get("customer_q", ""))[:100]
    contacts: list = []
    companies: list = []
    if len(text) >= 2:
        from peyvand.search.selectors import search

        found = search(request.user, text, kinds=["contact", "company"], limit=10)
        contacts = [hit for hit in found if hit.kind == "contact"]
        companies = [hit for hit in found if hit.kind == "company"]
    return render(
        request,
        "commerce/_customer_options.html",
        {"contacts": contacts, "companies": companies, "text": text},
    )
