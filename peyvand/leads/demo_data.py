"""Leads for the demo data set: a few weeks of inquiries from every channel, captured through the
same service as real ones (so they are de-duplicated, scored, routed and on the timeline), then
moved along the funnel."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from peyvand.timeline.models import TimelineEntry

from .inputs import LeadInput
from .models import AssignmentRule, Channel, Lead, LeadStatus, LostReason, RoutingStrategy
from .services import capture_lead, change_status, convert_lead, mark_first_contact

PRODUCTS = [
    "نرم‌افزار حسابداری",
    "پنل پیامک",
    "باشگاه مشتریان",
    "فروشگاه اینترنتی",
    "پشتیبانی سالانه",
]
CHANNEL_WEIGHTS = {
    Channel.WEBSITE: 30,
    Channel.PHONE: 20,
    Channel.INSTAGRAM: 15,
    Channel.TELEGRAM: 6,
    Channel.WHATSAPP: 6,
    Channel.LINKEDIN: 4,
    Channel.EVENT: 8,
    Channel.EMAIL: 6,
    Channel.REFERRAL: 5,
}
LEADS = 60


def _routing_rules(context) -> None:
    """Isfahan's leads to the Isfahan sales team, the rest of the web and social leads to Tehran's
    by turns; phone and event leads fall through to the fallback queue for a manager to assign."""
    for order, (name, conditions, team) in enumerate(DEMO_RULES, start=1):
        AssignmentRule.objects.create(
            order=order,
            name=name,
            assign_team=context.teams[team],
            strategy=RoutingStrategy.ROUND_ROBIN,
            first_response_minutes=240,
            **conditions,
        )


DEMO_RULES = [
    ("سرنخ‌های استان اصفهان", {"provinces": ["اصفهان"]}, "فروش اصفهان"),
    (
        "فرم سایت و شبکه‌های اجتماعی",
        {"channels": [Channel.WEBSITE, Channel.INSTAGRAM, Channel.TELEGRAM, Channel.WHATSAPP]},
        "فروش تهران",
    ),
    ("معرفی و ایمیل", {"channels": [Channel.REFERRAL, Channel.EMAIL]}, "فروش"),
]


def load(context) -> dict[str, int]:
    _routing_rules(context)
    rng = context.rng
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    created = 0
    for index in range(LEADS):
        first, last = context.person_name()
        province, city = context.place()
        channel = rng.choices(channels, weights=weights)[0]
        data = LeadInput(
            first_name=first,
            last_name=last,
            phone=context.mobile(),
            email=f"lead{index + 1}@example.ir" if rng.random() < 0.6 else "",
            province=province,
            city=city,
            product=rng.choice(PRODUCTS),
            company=rng.choice(["", "", "گروه صنعتی آریا", "بازرگانی نوین", "کلینیک سلامت"]),
            company_size=rng.choice([None, 5, 20, 80, 300]),
            message=rng.choice(["", "لطفاً با من تماس بگیرید.", "قیمت و شرایط خرید را بفرستید."]),
            consent=rng.random() < 0.7,
        )
        result = capture_lead(channel=channel, data=data, source=_source(channel, rng))
        lead = result.lead
        if lead is None or not result.created:
            continue
        created += 1
        # Spread the leads over the last ten weeks so the funnel report has months to show.
        born = context.now - dt.timedelta(days=rng.randrange(70), hours=rng.randrange(24))
        Lead.objects.filter(pk=lead.pk).update(created_at=born)
        lead.refresh_from_db()
        _advance(lead, context, born)
        _backdate(lead, born, rng)
    return {"leads": created}


def _source(channel: str, rng) -> dict[str, str]:
    if channel == Channel.WEBSITE:
        return {
            "form": rng.choice(["درخواست مشاوره", "دریافت دموی رایگان"]),
            "utm_source": "google",
        }
    if channel == Channel.EVENT:
        return {"event": "نمایشگاه الکامپ"}
    if channel == Channel.INSTAGRAM:
        return {"utm_source": "instagram", "utm_campaign": "پاییز"}
    return {}


def _backdate(lead: Lead, born: dt.datetime, rng) -> None:
    """The services stamp everything "now"; move the lead's story to when it happened."""
    now = timezone.now()
    lead.refresh_from_db()
    entries = list(
        TimelineEntry.objects.filter(
            source_type=ContentType.objects.get_for_model(Lead), source_id=lead.pk
        ).order_by("occurred_at", "id")
    )
    when = born
    for entry in entries:
        entry.occurred_at = min(when, now)
        when += dt.timedelta(hours=rng.randrange(2, 30))
    TimelineEntry.objects.bulk_update(entries, ["occurred_at"])
    stamps = {
        name: min(getattr(lead, name), when, now)
        for name in ("first_contacted_at", "qualified_at", "converted_at")
        if getattr(lead, name)
    }
    if stamps:
        Lead.objects.filter(pk=lead.pk).update(**stamps)


def _advance(lead: Lead, context, born: dt.datetime) -> None:
    rng = context.rng
    owner = lead.owner or context.owners[0]
    step = rng.random()
    if step < 0.3:
        return  # still new
    mark_first_contact(
        lead, at=min(born + dt.timedelta(hours=rng.randrange(1, 48)), timezone.now())
    )
    lead.refresh_from_db()
    change_status(lead, LeadStatus.CONTACTED, user=owner)
    if step < 0.55:
        return
    if step < 0.65:
        change_status(lead, LeadStatus.LOST, user=owner, reason=rng.choice(LostReason.values))
        return
    change_status(lead, LeadStatus.QUALIFIED, user=owner)
    if step < 0.85:
        return
    convert_lead(lead, user=owner)


def flush() -> None:
    Lead.objects.all().delete()
    AssignmentRule.objects.filter(name__in=[name for name, _, _ in DEMO_RULES]).delete()
