"""Commerce for the demo data set: a small software-and-hardware catalogue, a wholesale price list
and fourteen months of orders, recorded through the same service as real ones (so totals, profit,
the search index and the customers' timelines are right) and then moved back to when they were
placed.

Customers buy unevenly on purpose (a few loyal ones reorder SMS credit every month or two, many
bought once and did not come back), so RFM and cohort reports have a realistic spread to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from peyvand.contacts.models import Membership
from peyvand.timeline.models import TimelineEntry

from .models import Order, OrderStatus, PriceList, Product, ProductCategory
from .services import (
    change_order_status,
    create_product,
    record_order,
    save_category,
    save_price_list,
)

# (name, name_en)
CATEGORIES = [
    ("نرم‌افزار", "Software"),
    ("پنل پیامک", "SMS panel"),
    ("خدمات و پشتیبانی", "Services and support"),
    ("سخت‌افزار فروشگاهی", "Retail hardware"),
]
# (sku, name, name_en, category index, unit, price IRR, cost IRR)
PRODUCTS = [
    (
        "ACC-STD",
        "نرم‌افزار حسابداری نسخه استاندارد",
        "Accounting, Standard",
        0,
        "لایسنس",
        180_000_000,
        38_000_000,
    ),
    (
        "ACC-PRO",
        "نرم‌افزار حسابداری نسخه حرفه‌ای",
        "Accounting, Professional",
        0,
        "لایسنس",
        420_000_000,
        85_000_000,
    ),
    (
        "ACC-USR",
        "کاربر اضافه نرم‌افزار حسابداری",
        "Accounting, extra user",
        0,
        "کاربر",
        45_000_000,
        6_000_000,
    ),
    (
        "CLUB-YR",
        "باشگاه مشتریان (اشتراک سالانه)",
        "Customer club, yearly",
        0,
        "اشتراک",
        96_000_000,
        22_000_000,
    ),
    ("SMS-10K", "بسته ۱۰٬۰۰۰ پیامک", "SMS pack 10,000", 1, "بسته", 12_500_000, 9_000_000),
    ("SMS-50K", "بسته ۵۰٬۰۰۰ پیامک", "SMS pack 50,000", 1, "بسته", 58_000_000, 42_000_000),
    ("SMS-200K", "بسته ۲۰۰٬۰۰۰ پیامک", "SMS pack 200,000", 1, "بسته", 210_000_000, 155_000_000),
    (
        "SMS-LINE",
        "خط اختصاصی پیامک ۳۰۰۰",
        "Dedicated 3000 SMS line",
        1,
        "خط",
        35_000_000,
        18_000_000,
    ),
    (
        "SUP-BRZ",
        "پشتیبانی سالانه برنزی",
        "Bronze support, yearly",
        2,
        "قرارداد",
        60_000_000,
        24_000_000,
    ),
    (
        "SUP-GLD",
        "پشتیبانی سالانه طلایی",
        "Gold support, yearly",
        2,
        "قرارداد",
        150_000_000,
        58_000_000,
    ),
    (
        "SRV-TRN",
        "آموزش حضوری (جلسه چهار ساعته)",
        "On-site training, 4 h",
        2,
        "جلسه",
        18_000_000,
        7_000_000,
    ),
    ("SRV-INS", "نصب و راه‌اندازی", "Installation", 2, "خدمت", 25_000_000, 9_000_000),
    (
        "HW-POS",
        "صندوق فروشگاهی لمسی ۱۵ اینچ",
        "15-inch touch POS terminal",
        3,
        "دستگاه",
        385_000_000,
        305_000_000,
    ),
    (
        "HW-PRN",
        "چاپگر حرارتی فیش ۸۰ میلی‌متری",
        "80 mm thermal receipt printer",
        3,
        "دستگاه",
        64_000_000,
        49_000_000,
    ),
    ("HW-BCR", "بارکدخوان بی‌سیم", "Wireless barcode scanner", 3, "دستگاه", 27_500_000, 20_500_000),
    ("HW-DRW", "کشوی پول فلزی", "Cash drawer", 3, "دستگاه", 21_000_000, 15_500_000),
]
SKUS = [row[0] for row in PRODUCTS]
PRICE_LIST = "عمده‌فروشی همکاران"
# Software and services are discounted more for resellers than hardware.
WHOLESALE_OFF = {0: Decimal("0.80"), 1: Decimal("0.90"), 2: Decimal("0.85"), 3: Decimal("0.93")}

# What a customer typically buys: (weight, [(sku, weight, quantity range)]).
BASKETS = {
    "sms": (
        40,
        [("SMS-10K", 5, (1, 3)), ("SMS-50K", 4, (1, 2)), ("SMS-200K", 1, (1, 1)),
         ("SMS-LINE", 1, (1, 1))],
    ),
    "software": (
        30,
        [("ACC-STD", 4, (1, 1)), ("ACC-PRO", 2, (1, 1)), ("ACC-USR", 4, (1, 4)),
         ("CLUB-YR", 2, (1, 1)), ("SUP-BRZ", 3, (1, 1)), ("SUP-GLD", 1, (1, 1)),
         ("SRV-TRN", 2, (1, 3)), ("SRV-INS", 2, (1, 1))],
    ),
    "retail": (
        30,
        [("HW-POS", 3, (1, 3)), ("HW-PRN", 4, (1, 4)), ("HW-BCR", 4, (1, 5)),
         ("HW-DRW", 3, (1, 3)), ("ACC-STD", 1, (1, 1)), ("SRV-INS", 2, (1, 1))],
    ),
}  # fmt: skip
HISTORY_DAYS = 425  # about fourteen months
ORDERS_PER_CONTACT = 250 / 300
NOTES = [
    "",
    "",
    "",
    "ارسال با پست پیشتاز",
    "فاکتور رسمی به نام شرکت صادر شود.",
    "تحویل در محل دفتر مشتری",
    "پرداخت کارت‌به‌کارت؛ رسید دریافت شد.",
]


def load(context) -> dict[str, int]:
    products = _catalogue()
    price_list = _price_list(products)
    orders = _orders(context, products, price_list)
    return {"products": len(products), "orders": orders}


def _catalogue() -> dict[str, Product]:
    categories = [save_category(data={"name": name, "name_en": en}) for name, en in CATEGORIES]
    products = {}
    for sku, name, name_en, category, unit, price, cost in PRODUCTS:
        products[sku] = create_product(
            user=None,
            data={
                "sku": sku,
                "name": name,
                "name_en": name_en,
                "category": categories[category],
                "unit": unit,
                "unit_price": Decimal(price),
                "cost_price": Decimal(cost),
                "currency": "IRR",
            },
        )
    return products


def _price_list(products: dict[str, Product]) -> PriceList:
    items = []
    for sku, *_, category, _unit, price, _cost in PRODUCTS:
        # Whole thousands of rials, as a price list is written by hand.
        wholesale = (Decimal(price) * WHOLESALE_OFF[category] / 1000).quantize(Decimal(1)) * 1000
        items.append({"product": products[sku], "unit_price": wholesale})
    return save_price_list(
        data={
            "name": PRICE_LIST,
            "description": "قیمت ویژه نمایندگان و همکاران عمده؛ حداقل سفارش سه قلم.",
            "currency": "IRR",
            "is_active": True,
            "items": items,
        }
    )


def _customers(context) -> list[tuple]:
    """About 40% of the contacts, each with a basket, a buying rate and an active window."""
    rng = context.rng
    company_of = dict(
        Membership.objects.filter(contact__in=context.contacts)
        .order_by("contact_id", "id")
        .values_list("contact_id", "company_id")
    )
    chosen = rng.sample(context.contacts, max(1, round(len(context.contacts) * 0.4)))
    kinds = list(BASKETS)
    customers = []
    for contact in chosen:
        kind = rng.choices(kinds, weights=[BASKETS[k][0] for k in kinds])[0]
        # Heavy-tailed: most buy once or twice, a few buy every few weeks.
        rate = min(rng.paretovariate(1.3), 12.0)
        first = rng.uniform(0, HISTORY_DAYS)
        # A third stopped buying at some point (churned customers for the RFM "at risk" cells).
        last = rng.uniform(0, first) if rng.random() < 0.33 else 0.0
        customers.append((contact, company_of.get(contact.pk), kind, rate, first, last))
    return customers


def _orders(context, products: dict[str, Product], price_list: PriceList) -> int:
    rng = context.rng
    customers = _customers(context)
    wanted = max(len(customers), round(len(context.contacts) * ORDERS_PER_CONTACT))
    counts = [1] * len(customers)
    rates = [c[3] * max(c[4] - c[5], 30) / HISTORY_DAYS for c in customers]
    for index in rng.choices(range(len(customers)), weights=rates, k=wanted - len(customers)):
        counts[index] += 1
    now = context.now
    order_type = ContentType.objects.get_for_model(Order)
    created = 0
    for (contact, company_id, kind, _rate, first, last), count in zip(
        customers, counts, strict=True
    ):
        days = sorted((rng.uniform(last, first) for _ in range(count)), reverse=True)
        days[0] = first
        wholesale = company_id is not None and rng.random() < 0.5
        for age in days:
            ordered_at = (now - dt.timedelta(days=age)).replace(
                hour=rng.randint(8, 19), minute=rng.randrange(60), second=0, microsecond=0
            )
            if ordered_at > now:
                ordered_at -= dt.timedelta(days=1)
            status = _status(rng, age)
            lines = _lines(rng, kind, products)
            data = {
                "contact": contact,
                "owner": contact.owner,
                "ordered_at": ordered_at,
                "status": OrderStatus.PAID if status == OrderStatus.REFUNDED else status,
                "currency": "IRR",
                "notes": rng.choice(NOTES),
                "lines": lines,
            }
            if company_id is not None and rng.random() < 0.7:
                data["company"] = company_id
            if wholesale:
                data["price_list"] = price_list
            order = record_order(user=None, data=data)
            if status == OrderStatus.REFUNDED:
                order = change_order_status(
                    order, user=contact.owner, status=status, note="مرجوعی؛ وجه بازگردانده شد."
                )
            _backdate(order, ordered_at, now, rng, order_type)
            created += 1
    return created


def _status(rng, age: float) -> str:
    if age < 3:
        options = {"draft": 2, "confirmed": 4, "paid": 4}
    elif age < 30:
        options = {"confirmed": 2, "paid": 6, "fulfilled": 10, "cancelled": 1}
    else:
        options = {"paid": 14, "fulfilled": 76, "cancelled": 6, "refunded": 3, "confirmed": 1}
    return rng.choices(list(options), weights=list(options.values()))[0]


def _lines(rng, kind: str, products: dict[str, Product]) -> list[dict]:
    choices = BASKETS[kind][1]
    picked: dict[str, int] = {}
    for _ in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
        sku, _weight, (low, high) = rng.choices(choices, weights=[c[1] for c in choices])[0]
        picked.setdefault(sku, rng.randint(low, high))
    lines = []
    for sku, quantity in picked.items():
        line = {"product": products[sku], "quantity": Decimal(quantity)}
        if rng.random() < 0.15:
            # A round negotiated discount of 5-10% on the line.
            gross = products[sku].unit_price * quantity
            line["discount"] = (gross * Decimal(rng.choice([5, 10])) / 100 / 10_000).quantize(
                Decimal(1)
            ) * 10_000
        lines.append(line)
    return lines


def _backdate(order: Order, ordered_at: dt.datetime, now, rng, order_type) -> None:
    """The service stamps the status moments "now"; put them where the story happened."""

    def after(start: dt.datetime, low_hours: int, high_hours: int) -> dt.datetime:
        return min(start + dt.timedelta(hours=rng.randint(low_hours, high_hours)), now)

    stamps: dict[str, dt.datetime | None] = {"created_at": ordered_at}
    status = order.status
    if status != OrderStatus.DRAFT and status != OrderStatus.CANCELLED:
        stamps["confirmed_at"] = confirmed = after(ordered_at, 0, 6)
        if status in (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED):
            stamps["paid_at"] = paid = after(confirmed, 1, 96)
            if status == OrderStatus.FULFILLED:
                stamps["fulfilled_at"] = after(paid, 4, 240)
            if status == OrderStatus.REFUNDED:
                stamps["refunded_at"] = after(paid, 48, 400)
    if status == OrderStatus.CANCELLED:
        stamps["cancelled_at"] = after(ordered_at, 2, 72)
    stamps["updated_at"] = max(v for v in stamps.values() if v is not None)
    Order.objects.filter(pk=order.pk).update(created_by=order.owner, **stamps)
    if status == OrderStatus.REFUNDED:
        TimelineEntry.objects.filter(
            source_type=order_type, source_id=order.pk, kind="order_status"
        ).update(occurred_at=stamps["refunded_at"])


def flush() -> None:
    Order.objects.all().delete()
    PriceList.objects.filter(name=PRICE_LIST).delete()
    Product.objects.filter(sku__in=SKUS).delete()
    ProductCategory.objects.filter(
        name__in=[name for name, _ in CATEGORIES], products=None, children=None
    ).delete()
