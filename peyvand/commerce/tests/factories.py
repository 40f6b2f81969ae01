from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.commerce.models import (
    Order,
    OrderLine,
    PriceList,
    PriceListItem,
    Product,
    ProductCategory,
)
from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory

__all__ = [
    "CompanyFactory",
    "ContactFactory",
    "OrderFactory",
    "OrderLineFactory",
    "PriceListFactory",
    "PriceListItemFactory",
    "ProductCategoryFactory",
    "ProductFactory",
    "RoleFactory",
    "TeamFactory",
    "UserFactory",
]


class ProductCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ProductCategory

    name = factory.Sequence(lambda n: f"دسته {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"محصول {n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    unit_price = Decimal("1000000")
    currency = "IRR"
    tax_rate = Decimal("10")
    cost_price = Decimal("600000")


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"فهرست عمده {n}")
    currency = "IRR"


class PriceListItemFactory(DjangoModelFactory):
    class Meta:
        model = PriceListItem

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    unit_price = Decimal("900000")


class OrderFactory(DjangoModelFactory):
    """An order written directly (no lines, totals as given): for list and permission tests.
    Tests about amounts use services.record_order."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T-{n:06d}")
    ordered_at = factory.LazyFunction(timezone.now)
    currency = "IRR"
    total = Decimal("1100000")


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    description = "کالا"
    quantity = Decimal("1")
    unit_price = Decimal("1000000")
