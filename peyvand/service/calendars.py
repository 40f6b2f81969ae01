"""Business calendars, holidays and SLA policies: the default calendar and the writes of the
settings pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from .business_hours import IRAN_WEEKLY_HOURS
from .models import BusinessCalendar, Holiday, SlaPolicy, TicketPriority

# Iran's official holidays on fixed Solar Hijri dates: (month, day, name). The religious
# holidays follow the lunar calendar and moon sighting, so they move every year and are added
# by an administrator from the official calendar rather than guessed here.
IRAN_SOLAR_HOLIDAYS = (
    (1, 1, "نوروز"),
    (1, 2, "نوروز"),
    (1, 3, "نوروز"),
    (1, 4, "نوروز"),
    (1, 12, "روز جمهوری اسلامی"),
    (1, 13, "روز طبیعت"),
    (3, 14, "رحلت امام خمینی"),
    (3, 15, "قیام ۱۵ خرداد"),
    (11, 22, "پیروزی انقلاب اسلامی"),
    (12, 29, "ملی شدن صنعت نفت"),
)


def iran_solar_holidays(jalali_year: int) -> list[tuple[dt.date, str]]:
    return [
        (jdatetime.date(jalali_year, month, day).togregorian(), name)
        for month, day, name in IRAN_SOLAR_HOLIDAYS
    ]


def seed_iran_holidays(calendar: BusinessCalendar, jalali_year: int | None = None) -> int:
    """Add the fixed official holidays of a Jalali year (default: the current one) that the
    calendar does not have yet; how many were added."""
    year = jalali_year or jdatetime.date.today().year
    existing = set(calendar.holidays.values_list("date", flat=True))
    new = [
        Holiday(calendar=calendar, date=day, name=name)
        for day, name in iran_solar_holidays(year)
        if day not in existing
    ]
    Holiday.objects.bulk_create(new, ignore_conflicts=True)
    calendar.forget_schedule()
    return len(new)


def default_calendar() -> BusinessCalendar:
    """The default calendar, created on first use with the Iranian week and this Jalali year's
    fixed holidays."""
    calendar = BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is not None:
        return calendar
    with override(settings.LANGUAGE_CODE):
        name = _("Iran office hours")
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(
                name=name,
                time_zone=settings.TIME_ZONE or "Asia/Tehran",
                weekly_hours={str(d): [list(i) for i in IRAN_WEEKLY_HOURS[d]] for d in range(7)},
                is_default=True,
            )
            seed_iran_holidays(calendar)
    except IntegrityError:
        return BusinessCalendar.objects.get(is_default=True)
    return calendar


# --- Writes of the settings pages and the API ------------------------------------------------


def save_calendar(calendar: BusinessCalendar) -> BusinessCalendar:
    """Validate and save; making one calendar the default un-defaults the others."""
    calendar.full_clean()
    with transaction.atomic():
        if calendar.is_default:
            BusinessCalendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(
                is_default=False
            )
        calendar.save()
    calendar.forget_schedule()
    return calendar


def delete_calendar(calendar: BusinessCalendar) -> None:
    if calendar.is_default:
        raise ValidationError(_("The default calendar cannot be deleted."))
    if calendar.policies.exists() or calendar.ticket_slas.exists():
        raise ValidationError(_("This calendar is used by SLA policies or tickets."))
    calendar.delete()


def add_holiday(calendar: BusinessCalendar, *, date: dt.date, name: str) -> Holiday:
    holiday = Holiday(calendar=calendar, date=date, name=(name or "").strip())
    holiday.full_clean()
    holiday.save()
    calendar.forget_schedule()
    return holiday


def add_holidays(calendar: BusinessCalendar, items: Iterable[tuple[dt.date, str]]) -> int:
    with transaction.atomic():
        return sum(1 for day, name in items if add_holiday(calendar, date=day, name=name))


def save_policy(policy: SlaPolicy) -> SlaPolicy:
    unknown = set(policy.priorities or []) - set(TicketPriority.values)
    if unknown:
        raise ValidationError(
            {"priorities": _("Unknown priority: %s") % ", ".join(sorted(unknown))}
        )
    policy.customer_tags = sorted({t.strip() for t in policy.customer_tags or [] if t.strip()})
    policy.full_clean()
    policy.save()
    return policy
