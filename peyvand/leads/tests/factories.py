import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.leads.models import AssignmentRule, Channel, Lead, LeadForm, ScoringRule

__all__ = [
    "AssignmentRuleFactory",
    "LeadFactory",
    "LeadFormFactory",
    "RoleFactory",
    "ScoringRuleFactory",
    "TeamFactory",
    "UserFactory",
]


class LeadFactory(DjangoModelFactory):
    """A lead written directly (no routing or timeline): for tests about reading and reports.
    Tests about capture use services.capture_lead."""

    class Meta:
        model = Lead

    first_name = "علی"
    last_name = factory.Sequence(lambda n: f"محمدی{n}")
    phone = factory.Sequence(lambda n: f"+98912{n:07d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    channel = Channel.WEBSITE
    created_at = factory.LazyFunction(timezone.now)


class LeadFormFactory(DjangoModelFactory):
    class Meta:
        model = LeadForm

    name = factory.Sequence(lambda n: f"فرم تماس {n}")
    fields = factory.LazyFunction(
        lambda: [
            {"field": "name", "required": True},
            {"field": "phone", "required": True},
            {"field": "email", "required": False},
            {"field": "city", "required": False},
            {"field": "message", "required": False},
        ]
    )


class AssignmentRuleFactory(DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    name = factory.Sequence(lambda n: f"rule {n}")
    order = factory.Sequence(lambda n: n)


class ScoringRuleFactory(DjangoModelFactory):
    class Meta:
        model = ScoringRule

    label = factory.Sequence(lambda n: f"scoring {n}")
    attribute = "has_email"
    operator = "is"
    value = ""
    points = 10
