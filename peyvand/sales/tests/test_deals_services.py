"""Deals: creating, stage rules, moving with history, winning and losing, money."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory
from peyvand.sales import services, signals
from peyvand.sales.models import Deal, DealStatus, StageChange
from peyvand.sales.services import DealInput, LineInput
from peyvand.timeline.models import TimelineEntry

from .factories import LostReasonFactory, make_pipeline, stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return make_pipeline()


def new_deal(user, pipeline, **values):
    values.setdefault("title", "فروش ۲۰ لایسنس")
    values.setdefault("contact", ContactFactory())
    return services.create_deal(user=user, data=DealInput(pipeline=pipeline, **values))


def test_create_deal_opens_in_first_open_stage_with_history_and_timeline(rep, pipeline):
    deal = new_deal(rep, pipeline, amount="12,500,000")

    assert deal.stage == stages(pipeline)[0]
    assert deal.status == DealStatus.OPEN
    assert deal.amount == Decimal("12500000")
    assert deal.owner == rep
    change = StageChange.objects.get(deal=deal)
    assert change.from_stage is None and change.to_stage == deal.stage
    entry = TimelineEntry.objects.get(kind="deal_created")
    assert entry.contact == deal.contact and entry.source == deal


def test_create_deal_needs_title_and_a_customer(rep, pipeline):
    with pytest.raises(ValidationError) as exc:
        services.create_deal(user=rep, data=DealInput(pipeline=pipeline, title=" "))
    assert set(exc.value.message_dict) == {"title", "contact"}
    assert not Deal.objects.exists()


def test_company_alone_is_enough(rep, pipeline):
    deal = new_deal(rep, pipeline, contact=None, company=CompanyFactory())
    assert deal.company_id and deal.contact_id is None


def test_float_and_negative_amounts_are_refused(rep, pipeline):
    for bad in (1.5, "-10", "abc", "1.234"):
        with pytest.raises(ValidationError) as exc:
            new_deal(rep, pipeline, amount=bad)
        assert "amount" in exc.value.message_dict
    assert not Deal.objects.exists()


def test_persian_digits_in_amount(rep, pipeline):
    deal = new_deal(rep, pipeline, amount="۱۲٬۵۰۰٬۰۰۰")
    assert deal.amount == Decimal("12500000")


def test_jalali_expected_close(rep, pipeline):
    deal = new_deal(rep, pipeline, expected_close="1403/05/12")
    assert deal.expected_close == dt.date(2024, 8, 2)


def test_lines_set_amount(rep, pipeline):
    deal = new_deal(
        rep,
        pipeline,
        lines=[
            LineInput("لایسنس", Decimal(2), Decimal("1000000"), Decimal(10)),
            {"name": "نصب", "quantity": "1", "unit_price": "500000"},
        ],
    )
    assert deal.amount == Decimal("2300000")
    assert [line.total for line in deal.lines.all()] == [Decimal("1800000"), Decimal("500000")]


def test_stage_required_fields_block_the_move(rep, pipeline):
    deal = new_deal(rep, pipeline)
    proposal = stages(pipeline)[2]
    with pytest.raises(ValidationError) as exc:
        services.move_deal(deal, proposal, user=rep)
    assert "amount" in exc.value.message_dict
    assert "پیشنهاد" in exc.value.message_dict["amount"][0] or "Amount" in str(exc.value)
    deal.refresh_from_db()
    assert deal.stage == stages(pipeline)[0]
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_move_records_history_with_time_in_previous_stage(rep, pipeline):
    first, second, third, *_ = stages(pipeline)
    with time_machine.travel(dt.datetime(2024, 8, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        deal = new_deal(rep, pipeline, amount=Decimal(1000))
    with time_machine.travel(dt.datetime(2024, 8, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        services.move_deal(deal, second, user=rep)
    with time_machine.travel(dt.datetime(2024, 8, 3, 15, 0, tzinfo=dt.UTC), tick=False):
        services.move_deal(deal, third, user=rep)
    changes = list(deal.stage_changes.order_by("changed_at"))
    assert [(c.from_stage, c.to_stage) for c in changes] == [
        (None, first),
        (first, second),
        (second, third),
    ]
    assert changes[1].seconds_in_previous == 2 * 24 * 3600
    assert changes[2].seconds_in_previous == 6 * 3600
    assert changes[2].changed_by == rep
    assert TimelineEntry.objects.filter(kind="deal_stage").count() == 2


def test_moving_within_a_column_orders_cards(rep, pipeline):
    a = new_deal(rep, pipeline, title="A")
    b = new_deal(rep, pipeline, title="B")
    c = new_deal(rep, pipeline, title="C")
    column = lambda: list(  # noqa: E731
        Deal.objects.filter(stage=a.stage)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )
    assert column() == ["C", "B", "A"]  # new cards on top
    services.move_deal(a, a.stage, user=rep, before_id=b.pk)
    assert column() == ["C", "A", "B"]
    services.move_deal(c, c.stage, user=rep, position=2)
    assert column() == ["A", "B", "C"]
    assert StageChange.objects.filter(deal=a).count() == 1  # same stage: no history


def test_many_drops_into_one_gap_renumber_the_column(rep, pipeline):
    a = new_deal(rep, pipeline, title="A")
    b = new_deal(rep, pipeline, title="B")
    services.move_deal(a, a.stage, user=rep, position=1)  # order B, A
    for index in range(25):
        deal = new_deal(rep, pipeline, title=f"n{index}")
        services.move_deal(deal, deal.stage, user=rep, before_id=a.pk)
    titles = list(
        Deal.objects.filter(stage=a.stage)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )
    assert titles[0] == "B" and titles[-1] == "A"
    assert titles[1:-1] == [f"n{i}" for i in range(25)]
    assert b.pk


def test_moving_to_won_stage_wins(rep, pipeline):
    deal = new_deal(rep, pipeline)
    received = []
    signals.deal_won.connect(lambda **kw: received.append(kw["deal"].pk), weak=False)
    try:
        services.move_deal(deal, stages(pipeline)[4], user=rep)
    finally:
        signals.deal_won.receivers.clear()
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.won_at
    assert deal.stage == stages(pipeline)[4]
    assert received == [deal.pk]
    assert TimelineEntry.objects.filter(kind="deal_won").exists()


def test_mark_lost_requires_a_reason_when_reasons_exist(rep, pipeline):
    reason = LostReasonFactory(name="قیمت")
    deal = new_deal(rep, pipeline)
    with pytest.raises(ValidationError) as exc:
        services.mark_lost(deal, user=rep)
    assert "lost_reason" in exc.value.message_dict
    services.mark_lost(deal, user=rep, reason=reason.pk, note="رقیب ارزان‌تر بود")
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.lost_reason == reason and deal.lost_note == "رقیب ارزان‌تر بود"
    assert deal.stage == stages(pipeline)[5]


def test_reopen_by_moving_to_an_open_stage(rep, pipeline):
    deal = new_deal(rep, pipeline)
    services.mark_won(deal, user=rep)
    services.move_deal(deal, stages(pipeline)[1], user=rep)
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN and deal.won_at is None
    assert deal.stage == stages(pipeline)[1]


def test_won_stage_required_fields_apply(rep, pipeline):
    won = stages(pipeline)[4]
    won.required_fields = ["expected_close"]
    won.save()
    deal = new_deal(rep, pipeline)
    with pytest.raises(ValidationError):
        services.mark_won(deal, user=rep)
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_stage_of_another_pipeline_moves_the_deal_there(rep, pipeline):
    other = make_pipeline()
    deal = new_deal(rep, pipeline)
    services.move_deal(deal, stages(other)[0], user=rep)
    deal.refresh_from_db()
    assert deal.pipeline == other


def test_update_deal_cannot_change_stage(rep, pipeline):
    deal = new_deal(rep, pipeline)
    with pytest.raises(ValidationError) as exc:
        services.update_deal(deal, user=rep, data=DealInput(stage=stages(pipeline)[1]))
    assert "stage" in exc.value.message_dict


def test_update_deal_keeps_required_fields_of_current_stage(rep, pipeline):
    deal = new_deal(rep, pipeline, amount=Decimal(5000))
    services.move_deal(deal, stages(pipeline)[2], user=rep)
    with pytest.raises(ValidationError) as exc:
        services.update_deal(deal, user=rep, data=DealInput(amount="0"))
    assert "amount" in exc.value.message_dict
    deal.refresh_from_db()
    assert deal.amount == Decimal(5000)


def test_weighted_amount(rep, pipeline):
    deal = new_deal(rep, pipeline, amount=Decimal("1000000"))
    services.move_deal(deal, stages(pipeline)[1], user=rep)
    deal.refresh_from_db()
    assert deal.weighted_amount == Decimal("300000.00")
