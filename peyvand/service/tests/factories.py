import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    MembershipFactory,
    PhoneFactory,
    TagFactory,
)
from peyvand.service.models import (
    RoutingRule,
    SupportTier,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
)

__all__ = [
    "CompanyFactory",
    "ContactFactory",
    "MembershipFactory",
    "PhoneFactory",
    "RoleFactory",
    "RoutingRuleFactory",
    "SupportTierFactory",
    "TagFactory",
    "TeamFactory",
    "TicketCategoryFactory",
    "TicketFactory",
    "TicketMessageFactory",
    "UserFactory",
    "agent",
]


def agent(username: str | None = None, **kwargs):
    """A user with the Support agent role."""
    if username:
        kwargs["username"] = username
    return UserFactory(role=RoleFactory(name="Support agent"), **kwargs)


class SupportTierFactory(DjangoModelFactory):
    class Meta:
        model = SupportTier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n}")
    name = factory.LazyAttribute(lambda o: o.code)
    level = factory.Sequence(lambda n: 10 + n)


class TicketCategoryFactory(DjangoModelFactory):
    class Meta:
        model = TicketCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"دسته {n}")


class TicketFactory(DjangoModelFactory):
    """A ticket written directly (no routing or timeline): for tests about reading.
    Tests about opening use services.open_ticket."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    subject = factory.Sequence(lambda n: f"مشکل شماره {n}")
    description = "چاپگر کار نمی‌کند"
    channel = TicketChannel.PHONE
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def set_number(obj, create, extracted, **kwargs):
        if create and obj.number is None:
            obj.number = obj.pk
            Ticket.objects.filter(pk=obj.pk).update(number=obj.pk)


class TicketMessageFactory(DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    kind = "customer"
    body = "سلام، هنوز مشکل دارم."


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"قاعده {n}")
    order = factory.Sequence(lambda n: n)
