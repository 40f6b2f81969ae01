"""Factories for pipelines and deals: written directly, for tests about reading (board, lists,
rotting). Tests about writing use peyvand.sales.services."""

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales.models import Deal, LostReason, Pipeline, Stage, StageKind


class PipelineFactory(DjangoModelFactory):
    class Meta:
        model = Pipeline

    name = factory.Sequence(lambda n: f"فروش سازمانی {n}")
    rotting_days = 14


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory(PipelineFactory)
    name = factory.Sequence(lambda n: f"مرحله {n}")
    order = factory.Sequence(lambda n: n)
    probability = 20
    kind = StageKind.OPEN


def make_pipeline(**kwargs) -> Pipeline:
    """A pipeline with four open stages (10/30/60/80 %; the third requires an amount, the
    fourth an amount and a close date), a won and a lost stage."""
    pipeline = PipelineFactory(**kwargs)
    specs = [
        ("تماس اول", 10, StageKind.OPEN, []),
        ("نیازسنجی", 30, StageKind.OPEN, []),
        ("پیشنهاد", 60, StageKind.OPEN, ["amount"]),
        ("مذاکره", 80, StageKind.OPEN, ["amount", "expected_close"]),
        ("برنده", 100, StageKind.WON, []),
        ("بازنده", 0, StageKind.LOST, []),
    ]
    for order, (name, probability, kind, required) in enumerate(specs):
        Stage.objects.create(
            pipeline=pipeline,
            name=name,
            order=order,
            probability=probability,
            kind=kind,
            required_fields=required,
        )
    return pipeline


def stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("order", "id"))


class LostReasonFactory(DjangoModelFactory):
    class Meta:
        model = LostReason

    name = factory.Sequence(lambda n: f"دلیل {n}")


class DealFactory(DjangoModelFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"قرارداد پشتیبانی {n}")
    contact = factory.SubFactory(ContactFactory)
    stage = factory.LazyAttribute(
        lambda o: o.pipeline.stages.filter(kind=StageKind.OPEN).order_by("order").first()
    )
    pipeline = factory.LazyFunction(make_pipeline)
    amount = Decimal("250000000")
    currency = "IRR"
    position = factory.Sequence(lambda n: n * 65536)
    last_activity_at = factory.LazyFunction(timezone.now)
    stage_entered_at = factory.LazyFunction(timezone.now)
