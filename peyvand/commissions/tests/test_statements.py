"""Commission statements: tiers above target, category rates on order profit, review and
approval, locking in the database, and corrections as adjustments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peyvand.accounts.tests.factories import RoleFactory, UserFactory
from peyvand.commerce.models import Order, OrderLine
from peyvand.commerce.tests.factories import ProductCategoryFactory, ProductFactory
from peyvand.commissions import services
from peyvand.commissions.models import (
    Basis,
    CategoryRate,
    CommissionPlan,
    LineKind,
    StatementLine,
    StatementStatus,
    Tier,
)
from peyvand.core.periods import Period
from peyvand.sales.models import SalesTarget
from peyvand.sales.tests.forecast_data import TEHRAN, Board, M, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_grants")]

MEHR = Period.parse("1404-07")
ABAN = Period.parse("1404-08")


@pytest.fixture(autouse=True)
def _tehran():
    with timezone.override(TEHRAN):
        yield


@pytest.fixture
def rep():
    return UserFactory(username="seller")


@pytest.fixture
def manager():
    return UserFactory(username="boss", role=RoleFactory(name="Manager"))


def _plan(user, *, rate="2", basis=Basis.DEAL_AMOUNT, tiers=()):
    plan = CommissionPlan.objects.create(
        name="طرح پایه", basis=basis, rate=Decimal(rate), effective_from=dt.date(2025, 1, 1)
    )
    plan.users.add(user)
    for attainment, tier_rate in tiers:
        Tier.objects.create(plan=plan, attainment_from=attainment, rate=Decimal(tier_rate))
    return plan


def _target(user, period, amount):
    target = SalesTarget(user=user, amount=amount)
    target.period = period
    target.save()


def test_sales_above_target_earn_the_tier_rate(rep):
    _plan(rep, rate="2", tiers=[(100, "5")])
    _target(rep, MEHR, M(500))
    board = Board()
    board.deal(rep, M(300), won_at=at(2025, 9, 25), title="اول")
    board.deal(rep, M(400), won_at=at(2025, 10, 2), title="دوم")
    board.deal(rep, M(999), won_at=at(2025, 10, 25))  # Aban

    statement = services.compute_statement(rep, MEHR)

    lines = [(x.description, x.base_amount, x.rate, x.commission) for x in statement.lines.all()]
    assert lines == [
        ("اول", M(300), Decimal("2.000"), M(6)),
        ("دوم", M(200), Decimal("2.000"), M(4)),  # up to the target
        ("دوم", M(200), Decimal("5.000"), M(10)),  # beyond it
    ]
    assert (statement.sales, statement.target, statement.commission_total) == (
        M(700),
        M(500),
        M(20),
    )
    assert statement.attainment == Decimal("140.0")
    assert statement.status == StatementStatus.DRAFT


def test_without_a_target_tiers_do_not_apply(rep):
    _plan(rep, rate="2", tiers=[(100, "5")])
    Board().deal(rep, M(700), won_at=at(2025, 10, 2))
    assert services.compute_statement(rep, MEHR).commission_total == M(14)


def test_order_profit_with_category_rates(rep):
    plan = _plan(rep, rate="3", basis=Basis.ORDER_PROFIT)
    software = ProductCategoryFactory(name="نرم‌افزار")
    cloud = ProductCategoryFactory(name="ابری", parent=software)  # inherits the parent's rate
    CategoryRate.objects.create(plan=plan, category=software, rate=Decimal("10"))
    hardware = ProductCategoryFactory(name="سخت‌افزار")
    order = Order.objects.create(
        owner=rep, status="paid", ordered_at=at(2025, 10, 1), number="ORD-1", currency="IRR"
    )
    for product, net, cost in (
        (ProductFactory(category=software), M(100), M(40)),
        (ProductFactory(category=cloud), M(20), M(10)),
        (ProductFactory(category=hardware), M(50), M(30)),
    ):
        OrderLine.objects.create(order=order, product=product, net=net, cost_total=cost)
    Order.objects.create(owner=rep, status="cancelled", ordered_at=at(2025, 10, 1), number="X")

    statement = services.compute_statement(rep, MEHR)

    by_category = {x.category: (x.base_amount, x.rate, x.commission) for x in statement.lines.all()}
    assert by_category == {
        "نرم‌افزار": (M(60), Decimal("10.000"), M(6)),
        "ابری": (M(10), Decimal("10.000"), M(1)),
        "سخت‌افزار": (M(20), Decimal("3.000"), Decimal("600000.00")),
    }
    assert statement.commission_total == Decimal("7600000.00")
    assert statement.sales == M(170)


def test_review_then_approve_by_someone_else(rep, manager):
    _plan(rep)
    Board().deal(rep, M(100), won_at=at(2025, 10, 2))
    statement = services.compute_statement(rep, MEHR)
    with pytest.raises(ValidationError):
        services.approve(statement, by=manager)  # not reviewed yet
    statement = services.review(statement, by=manager)
    with pytest.raises(ValidationError):
        services.compute_statement(rep, MEHR)  # only drafts are recomputed
    with pytest.raises(PermissionDenied):
        services.approve(statement, by=rep)  # nobody approves their own commission
    statement = services.approve(statement, by=manager)
    assert statement.status == StatementStatus.APPROVED and statement.approved_by == manager


def _approved(rep, manager):
    _plan(rep, rate="2", tiers=[(100, "5")])
    _target(rep, MEHR, M(500))
    board = Board()
    board.deal(rep, M(300), won_at=at(2025, 9, 25))
    late = board.deal(rep, M(400), won_at=at(2025, 10, 2))
    statement = services.compute_statement(rep, MEHR)
    services.review(statement, by=manager)
    return services.approve(statement, by=manager), late, board


def test_the_database_refuses_to_change_an_approved_statement(rep, manager):
    statement, _deal, _board = _approved(rep, manager)
    line = statement.lines.first()
    for attempt in (
        lambda: StatementLine.objects.filter(pk=line.pk).update(commission=0),
        lambda: StatementLine.objects.filter(pk=line.pk).delete(),
        lambda: StatementLine.objects.create(
            statement=statement, kind=LineKind.DEAL, description="x", base_amount=1, commission=1
        ),
        lambda: type(statement).objects.filter(pk=statement.pk).update(total=0),
        lambda: type(statement).objects.filter(pk=statement.pk).update(status="draft"),
        lambda: type(statement).objects.filter(pk=statement.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    statement.refresh_from_db()
    assert statement.commission_total == M(20) and statement.lines.count() == 3


def test_a_deleted_deal_leaves_the_approved_line_as_it_was(rep, manager):
    statement, deal, _board = _approved(rep, manager)
    deal.delete()
    line = statement.lines.get(position=2)
    assert line.deal_id is None and line.commission == M(10)


def test_later_changes_become_an_adjustment_on_the_next_statement(rep, manager):
    statement, deal, _board = _approved(rep, manager)
    deal.amount = M(500)  # corrected after approval: 100M more, all above target
    deal.save()

    aban = services.compute_statement(rep, ABAN)

    statement.refresh_from_db()
    assert statement.commission_total == M(20) and statement.total == M(20)
    adjustment = statement.corrections.get()
    assert adjustment.amount == M(5) and adjustment.automatic
    line = aban.lines.get(kind=LineKind.ADJUSTMENT)
    assert line.commission == M(5) and line.adjustment == adjustment
    assert (aban.commission_total, aban.adjustment_total, aban.total) == (0, M(5), M(5))
    # Recomputing does not correct twice.
    aban = services.compute_statement(rep, ABAN)
    assert statement.corrections.count() == 1 and aban.total == M(5)


def test_manual_adjustments_need_an_approved_statement_a_reason_and_an_amount(rep, manager):
    _plan(rep)
    draft = services.compute_statement(rep, MEHR)
    with pytest.raises(ValidationError) as error:
        services.add_adjustment(draft, amount=Decimal(0), reason="", by=manager)
    assert set(error.value.message_dict) == {"status", "amount", "reason"}
    statement, _deal, _board = _approved(UserFactory(username="other"), manager)
    adjustment = services.add_adjustment(
        statement, amount=M(-1), reason="بازگشت وجه مشتری", by=manager
    )
    assert adjustment.amount == M(-1)
