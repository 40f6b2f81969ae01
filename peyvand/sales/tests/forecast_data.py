"""Test data for forecasts and commissions: a pipeline with known probabilities, deals, and the
default roles' grants on deals and commissions (as the data migrations give existing roles)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models.signals import pre_save

from peyvand.accounts.models import Role
from peyvand.sales.models import Deal, DealStatus, Pipeline, Stage, StageKind
from peyvand.sales.roles import DEAL_GRANTS

TEHRAN = ZoneInfo("Asia/Tehran")


def _grants() -> dict[str, dict[str, list[str]]]:
    from peyvand.commissions.roles import COMMISSION_GRANTS

    merged: dict[str, dict[str, list[str]]] = {}
    for source in (DEAL_GRANTS, COMMISSION_GRANTS):
        for role, modules in source.items():
            merged.setdefault(role, {}).update(modules)
    return merged


def _add_grants(sender, instance, **kwargs):
    grants = _grants().get(instance.name)
    if not grants:
        return
    permissions = {m: list(a) for m, a in (instance.permissions or {}).items()}
    for module, actions in grants.items():
        permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
    instance.permissions = permissions


@pytest.fixture
def role_grants():
    pre_save.connect(_add_grants, sender=Role, dispatch_uid="forecast-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="forecast-test-grants")


def M(millions) -> Decimal:
    return Decimal(millions) * 1_000_000


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


class Board:
    """One pipeline: Lead 10%, Proposal 50%, Negotiation 80%, Won, Lost."""

    def __init__(self):
        self.pipeline = Pipeline.objects.create(name="فروش آزمون")
        make = lambda name, p, kind=StageKind.OPEN, order=0: Stage.objects.create(  # noqa: E731
            pipeline=self.pipeline, name=name, probability=p, kind=kind, order=order
        )
        self.lead = make("سرنخ", 10, order=1)
        self.proposal = make("پیشنهاد", 50, order=2)
        self.negotiation = make("مذاکره", 80, order=3)
        self.won = make("برنده", 100, StageKind.WON, 4)
        self.lost = make("باخته", 0, StageKind.LOST, 5)

    def deal(
        self,
        owner,
        amount,
        *,
        stage=None,
        won_at=None,
        lost=False,
        expected_close=None,
        team=None,
        currency="IRR",
        title="معامله",
    ) -> Deal:
        if won_at is not None:
            stage, status = self.won, DealStatus.WON
        elif lost:
            stage, status = self.lost, DealStatus.LOST
        else:
            stage, status = stage or self.lead, DealStatus.OPEN
        return Deal.objects.create(
            title=title,
            owner=owner,
            team=team if team is not None else getattr(owner, "team", None),
            amount=Decimal(amount),
            currency=currency,
            pipeline=self.pipeline,
            stage=stage,
            status=status,
            won_at=won_at,
            expected_close=expected_close,
        )
