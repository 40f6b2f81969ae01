"""Sales for the demo data set: deals in the default pipeline at every stage, walked through the
same services as real ones (so stage history, timeline entries and totals are right) and then
moved back in time; a few quotes; this and next Jalali month's and quarter's targets; and one
forecast snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from peyvand.commerce.models import Order, Product
from peyvand.contacts.models import Membership
from peyvand.core.periods import JALALI, MONTH, QUARTER, Period
from peyvand.timeline.models import TimelineEntry

from .forecast import set_target, take_snapshots
from .models import (
    Deal,
    DealStatus,
    ForecastSnapshot,
    LostReason,
    Quote,
    SalesTarget,
    StageChange,
    StageKind,
)
from .quotes import accept_quote, create_quote, send_quote
from .selectors import default_pipeline
from .services import DealInput, LineInput, create_deal, mark_lost, mark_won, move_deal

DEALS_PER_CONTACT = 120 / 300
SALES_REPS = ["amir", "narges", "reza", "sara"]
SALES_TEAMS = ["فروش", "فروش تهران", "فروش اصفهان"]
# Monthly quota in IRR (a rep wins a few hundred million toman a month).
MONTHLY_TARGETS = {
    "amir": 4_500_000_000,
    "narges": 3_500_000_000,
    "reza": 3_000_000_000,
    "sara": 2_000_000_000,
}
# (title pattern, product lines [(sku, quantity range)])
OFFERS = [
    ("راه‌اندازی نرم‌افزار حسابداری {name}", [("ACC-PRO", (1, 1)), ("ACC-USR", (2, 8)),
                                             ("SRV-INS", (1, 1)), ("SRV-TRN", (1, 3))]),
    ("لایسنس حسابداری استاندارد {name}", [("ACC-STD", (1, 2)), ("SUP-BRZ", (1, 1))]),
    ("قرارداد پشتیبانی طلایی {name}", [("SUP-GLD", (1, 1))]),
    ("پنل پیامک سازمانی {name}", [("SMS-200K", (1, 3)), ("SMS-LINE", (1, 1))]),
    ("باشگاه مشتریان {name}", [("CLUB-YR", (1, 1)), ("SMS-50K", (1, 2))]),
    ("تجهیز فروشگاه‌های {name}", [("HW-POS", (2, 10)), ("HW-PRN", (2, 10)), ("HW-BCR", (2, 10)),
                                  ("HW-DRW", (2, 10))]),
    ("توسعه کاربران حسابداری {name}", [("ACC-USR", (3, 15))]),
]  # fmt: skip
LOST_NOTES = [
    "",
    "",
    "رقیب ۱۵٪ ارزان‌تر پیشنهاد داد.",
    "تصمیم خرید به سال مالی بعد موکول شد.",
    "مدیرعامل جدید پروژه را متوقف کرد.",
    "پس از سه بار پیگیری پاسخی نداد.",
]
QUOTE_TERMS = "پرداخت ۵۰٪ پیش از نصب و مابقی پس از تحویل. اعتبار پیش‌فاکتور تا تاریخ درج‌شده است."
CAMPAIGNS = ["", "", "", "نمایشگاه الکامپ", "وبینار حسابداری", "کمپین پاییزه"]


def load(context) -> dict[str, int]:
    pipeline = default_pipeline()
    if pipeline is None:
        return {}
    deals = _deals(context, pipeline)
    quotes = _quotes(context, deals)
    targets = _targets(context)
    take_snapshots(timezone.localdate(context.now))
    return {"deals": len(deals), "quotes": quotes, "sales targets": targets}


def _deals(context, pipeline) -> list[Deal]:
    rng = context.rng
    stages = list(pipeline.stages.order_by("order", "id"))
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    reasons = list(LostReason.objects.filter(is_active=True).order_by("order"))
    products = {p.sku: p for p in Product.objects.filter(is_active=True)}
    company_of = dict(
        Membership.objects.filter(contact__in=context.contacts)
        .order_by("contact_id", "id")
        .values_list("contact_id", "company")
    )
    companies = {c.pk: c for c in context.companies}
    reps = {name: context.users[name] for name in SALES_REPS if name in context.users}
    # The deal belongs to whoever owns the customer, so the rep can see (and quote) it.
    customers = [c for c in context.contacts if c.owner and c.owner.username in reps]
    now = context.now
    today = timezone.localdate(now)
    deal_type = ContentType.objects.get_for_model(Deal)
    deals = []
    for _ in range(max(12, round(len(context.contacts) * DEALS_PER_CONTACT))):
        contact = rng.choice(customers)
        owner = contact.owner
        company = companies.get(company_of.get(contact.pk))
        outcome = rng.choices(["open", "won", "lost"], weights=[60, 22, 18])[0]
        reach = rng.choices(range(len(open_stages)), weights=[30, 25, 25, 20])[0]
        if outcome == "lost":
            reach = rng.choices(range(len(open_stages)), weights=[35, 30, 20, 15])[0]
        elif outcome == "won":
            reach = len(open_stages) - 1
        pattern, offer = rng.choice(OFFERS)
        name = company.name if company else contact.full_name
        lines = [
            LineInput(
                product=products[sku],
                quantity=Decimal(rng.randint(*quantity)),
                discount_percent=Decimal(rng.choice([0, 0, 0, 5, 10])),
            )
            for sku, quantity in offer
            if sku in products and rng.random() < 0.85
        ]
        data = DealInput(
            title=pattern.format(name=name),
            contact=contact,
            company=company,
            owner=owner,
            expected_close=today + dt.timedelta(days=rng.randint(3, 92)),
            source_campaign=rng.choice(CAMPAIGNS),
        )
        if lines:
            data.lines = lines
        else:
            data.amount = Decimal(rng.randint(5, 300) * 10_000_000)
        deal = create_deal(user=owner, data=data)
        for stage in open_stages[1 : reach + 1]:
            deal = move_deal(deal, stage, user=owner)
        if outcome == "won":
            deal = mark_won(deal, user=owner, stage=won)
        elif outcome == "lost":
            deal = mark_lost(
                deal, user=owner, reason=rng.choice(reasons) if reasons else None,
                note=rng.choice(LOST_NOTES), stage=lost,
            )  # fmt: skip
        _backdate(deal, outcome, rng, now, today, deal_type)
        deals.append(deal)
    return deals


def _backdate(deal: Deal, outcome: str, rng, now, today, deal_type) -> None:
    """Spread the deal's story over the weeks it took: created, each stage change, closed."""
    changes = list(deal.stage_changes.order_by("changed_at", "id"))
    if outcome == "open":
        born = now - dt.timedelta(days=rng.uniform(4, 100))
        rotting = rng.random() < 0.2
        end = born + (now - born) * rng.uniform(0.3, 0.6 if rotting else 0.95)
    else:
        # Closed deals: most in the last four months, some in the current weeks.
        closed = now - dt.timedelta(days=rng.uniform(0.5, 20 if rng.random() < 0.3 else 130))
        born = closed - dt.timedelta(days=rng.uniform(10, 75))
        end = closed
    moments = sorted(born + (end - born) * rng.random() for _ in changes[1:])
    moments = [born, *moments[:-1], end] if len(changes) > 1 else [born]
    previous = None
    for change, moment in zip(changes, moments, strict=True):
        change.changed_at = moment
        change.seconds_in_previous = int((moment - previous).total_seconds()) if previous else 0
        previous = moment
    StageChange.objects.bulk_update(changes, ["changed_at", "seconds_in_previous"])
    last = moments[-1]
    stamps = {"created_at": born, "stage_entered_at": last, "updated_at": last}
    if outcome == "open":
        idle = rng.uniform(0, 3) if (now - last).days < 10 else rng.uniform(0, 12)
        stamps["last_activity_at"] = min(last + dt.timedelta(days=idle), now)
        if rotting:
            stamps["last_activity_at"] = min(last, now - dt.timedelta(days=rng.uniform(20, 60)))
    else:
        stamps["last_activity_at"] = last
        stamps["expected_close"] = timezone.localdate(last)
        stamps["won_at" if outcome == "won" else "lost_at"] = last
    Deal.objects.filter(pk=deal.pk).update(**stamps)
    entries = list(
        TimelineEntry.objects.filter(source_type=deal_type, source_id=deal.pk).order_by(
            "occurred_at", "id"
        )
    )
    for entry, moment in zip(entries, moments, strict=False):
        entry.occurred_at = moment
    TimelineEntry.objects.bulk_update(entries, ["occurred_at"])


def _quotes(context, deals: list[Deal]) -> int:
    """Quotes on some deals past the proposal stage: sent ones, and accepted ones for won deals
    (accepting creates the customer's order)."""
    rng = context.rng
    today = timezone.localdate(context.now)
    made = 0
    for deal in deals:
        deal.refresh_from_db()
        if not deal.lines.exists() or deal.stage.order < 2 or deal.status == DealStatus.LOST:
            continue
        if rng.random() > (0.5 if deal.status == DealStatus.WON else 0.35):
            continue
        owner = deal.owner
        lines = [
            {
                "product": line.product_id,
                "description": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": (line.unit_price * line.quantity * line.discount_percent / 100)
                .quantize(Decimal(1)),
                "tax_rate": Decimal(10),
            }
            for line in deal.lines.all()
        ]  # fmt: skip
        quote = create_quote(
            user=owner,
            data={
                "deal": deal,
                "title": deal.title,
                "valid_until": today + dt.timedelta(days=rng.choice([7, 14, 30])),
                "terms": QUOTE_TERMS,
                "lines": lines,
            },
        )
        quote = send_quote(quote, user=owner)
        sent = deal.stage_entered_at
        if deal.status == DealStatus.WON:
            sent = deal.won_at - dt.timedelta(days=rng.uniform(2, 10))
            quote = accept_quote(quote, user=owner)
            Quote.objects.filter(pk=quote.pk).update(accepted_at=deal.won_at)
            Order.objects.filter(pk=quote.order_id).update(
                ordered_at=deal.won_at, created_at=deal.won_at, confirmed_at=deal.won_at
            )
            TimelineEntry.objects.filter(
                source_type=ContentType.objects.get_for_model(Order), source_id=quote.order_id
            ).update(occurred_at=deal.won_at)
        created = sent - dt.timedelta(hours=rng.randint(1, 30))
        Quote.objects.filter(pk=quote.pk).update(created_at=created, sent_at=sent)
        # quote_created, quote_sent and (for won deals) quote_accepted, in that order.
        moments = [created, sent, deal.won_at]
        entries = list(
            TimelineEntry.objects.filter(
                source_type=ContentType.objects.get_for_model(Quote), source_id=quote.pk
            ).order_by("id")
        )
        for entry, moment in zip(entries, moments, strict=False):
            entry.occurred_at = moment
        TimelineEntry.objects.bulk_update(entries, ["occurred_at"])
        made += 1
    return made


def _targets(context) -> int:
    today = timezone.localdate(context.now)
    month = Period.containing(today, MONTH, JALALI)
    quarter = Period.containing(today, QUARTER, JALALI)
    written = 0
    by = context.users.get("sara")
    team_totals: dict[str, int] = {}
    for name, monthly in MONTHLY_TARGETS.items():
        user = context.users.get(name)
        if user is None:
            continue
        for period, amount in (
            (month, monthly),
            (month.next(), monthly * 11 // 10),
            (quarter, monthly * 3),
            (quarter.next(), monthly * 33 // 10),
        ):
            set_target(period=period, amount=Decimal(amount), user_id=user.pk, by=by)
            written += 1
        team_totals[user.team.name] = team_totals.get(user.team.name, 0) + monthly
    team_totals["فروش"] = sum(MONTHLY_TARGETS.values())
    for team_name in SALES_TEAMS:
        team = context.teams.get(team_name)
        monthly = team_totals.get(team_name)
        if team is None or not monthly:
            continue
        for period, amount in (
            (month, monthly),
            (month.next(), monthly * 11 // 10),
            (quarter, monthly * 3),
            (quarter.next(), monthly * 33 // 10),
        ):
            set_target(period=period, amount=Decimal(amount), team_id=team.pk, by=by)
            written += 1
    return written


def flush() -> None:
    Quote.objects.all().delete()
    Deal.objects.all().delete()
    SalesTarget.objects.all().delete()
    ForecastSnapshot.objects.all().delete()
