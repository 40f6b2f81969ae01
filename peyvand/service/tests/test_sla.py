"""The SLA clock on real tickets: policies, due times on the Iranian week, pauses while waiting on
the customer, holidays, warnings, breaches and escalation, the sweep command, permissions and bad
input. Time is controlled with time-machine; the week of Saturday 2026-11-14 is used throughout
(Thursday 19th is a half day, Friday 20th is closed)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from peyvand.accounts.models import Notification
from peyvand.service import calendars, services, sla
from peyvand.service.models import (
    Holiday,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaState,
    TicketPriority,
    TicketSla,
    TicketStatus,
)

from .factories import ContactFactory, TagFactory, TeamFactory, UserFactory, agent

TEHRAN = ZoneInfo("Asia/Tehran")
pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def desk(db):
    """A support team with a lead (manager) and an agent, and a 2h / 4h policy for everyone."""
    lead = agent("lead")
    team = TeamFactory(name="پشتیبانی", manager=lead)
    worker = agent("worker", team=team)
    policy = SlaPolicy.objects.create(
        name="Standard",
        position=10,
        first_response_minutes=120,
        resolution_minutes=240,
        warn_before_minutes=30,
        calendar=calendars.default_calendar(),
    )
    return {"lead": lead, "team": team, "agent": worker, "policy": policy}


def open_ticket(desk, **data):
    data = {
        "subject": "اینترنت قطع است",
        "channel": "phone",
        "requester_name": "مشتری",
        "team": desk["team"],
        "assignee": desk["agent"],
        **data,
    }
    return services.open_ticket(user=desk["agent"], data=data)


def clock(ticket) -> TicketSla:
    return TicketSla.objects.get(ticket=ticket)


# --- Policies and due times ----------------------------------------------------------------


def test_opening_a_ticket_starts_the_clock_with_due_times_in_business_hours(desk, time_machine):
    time_machine.move_to(at(19, 12), tick=False)  # Thursday noon: one hour before closing
    ticket = open_ticket(desk)
    s = clock(ticket)
    assert s.policy == desk["policy"]
    assert s.state == SlaState.RUNNING
    # 2h: 1h on Thursday, Friday closed, 1h on Saturday.
    assert s.first_response_due_at == at(21, 9)
    assert s.resolution_due_at == at(21, 11)
    assert s.first_response_warn_at == at(21, 8, 30)


def test_the_first_matching_policy_in_order_applies_vip_before_standard(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    vip = SlaPolicy.objects.create(
        name="VIP",
        position=1,
        customer_tags=["VIP"],
        first_response_minutes=30,
        resolution_minutes=120,
        calendar=calendars.default_calendar(),
    )
    urgent = SlaPolicy.objects.create(
        name="Urgent",
        position=2,
        priorities=[TicketPriority.URGENT],
        first_response_minutes=15,
        resolution_minutes=60,
        calendar=calendars.default_calendar(),
    )
    customer = ContactFactory()
    customer.tags.add(TagFactory(name="vip"))  # tags match case-insensitively
    assert clock(open_ticket(desk, contact=customer)).policy == vip
    assert clock(open_ticket(desk, priority="urgent")).policy == urgent
    plain = clock(open_ticket(desk))
    assert plain.policy == desk["policy"]
    assert plain.first_response_due_at == at(14, 11)


def test_lifecycle_stage_condition(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    loyal = SlaPolicy.objects.create(
        name="Loyal",
        position=1,
        lifecycle_stages=["loyal"],
        first_response_minutes=60,
        resolution_minutes=120,
        calendar=calendars.default_calendar(),
    )
    assert clock(open_ticket(desk, contact=ContactFactory(lifecycle_stage="loyal"))).policy == loyal
    assert clock(open_ticket(desk, contact=ContactFactory(lifecycle_stage="lead"))).policy != loyal


def test_without_any_policy_the_fallback_is_one_business_day(db, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    worker = agent("solo")
    ticket = services.open_ticket(
        user=worker, data={"subject": "x", "channel": "phone", "requester_name": "a"}
    )
    s = clock(ticket)
    assert s.policy is None
    assert s.first_response_due_at == at(15, 9)


def test_a_holiday_moves_the_due_time(desk, time_machine):
    Holiday.objects.create(
        calendar=calendars.default_calendar(), date=dt.date(2026, 11, 15), name="تعطیل"
    )
    time_machine.move_to(at(14, 16), tick=False)  # Saturday 16:00
    s = clock(open_ticket(desk))
    # 1h on Saturday, Sunday is a holiday, 1h on Monday.
    assert s.first_response_due_at == at(16, 9)


def test_priority_change_applies_the_policy_that_now_matches(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    SlaPolicy.objects.create(
        name="High",
        position=1,
        priorities=["high"],
        first_response_minutes=30,
        resolution_minutes=60,
        calendar=calendars.default_calendar(),
    )
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 9, 10), tick=False)
    services.update_ticket(ticket, user=desk["agent"], data={"priority": "high"})
    s = clock(ticket)
    assert s.policy.name == "High"
    assert s.first_response_due_at == at(14, 9, 30)  # still counted from the start


# --- Pauses, first response, resolution -----------------------------------------------------


def test_waiting_on_the_customer_pauses_and_the_reply_resumes(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)  # Saturday 09:00; resolution due 13:00
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 10), tick=False)
    services.add_reply(
        ticket, user=desk["agent"], body="لطفاً مودم را ریست کنید", status="waiting_customer"
    )
    s = clock(ticket)
    assert s.state == SlaState.PAUSED
    assert s.first_responded_at == at(14, 10)
    assert s.first_response_seconds == 3600

    # A paused ticket never breaches, however long the customer takes.
    time_machine.move_to(at(15, 10), tick=False)
    assert sla.sweep() == {"warned": 0, "breached": 0}

    ticket.refresh_from_db()
    services.add_customer_message(ticket, body="ریست کردم، هنوز قطع است")
    s = clock(ticket)
    assert s.state == SlaState.RUNNING
    # Paused Saturday 10:00-17:00 and Sunday 08:00-10:00 = 9 business hours; 3h were left.
    assert s.paused_seconds == 9 * 3600
    assert s.resolution_due_at == at(15, 13)
    assert s.pauses[0][1] is not None
    assert sla.remaining_seconds(s, SlaMetric.RESOLUTION, at(15, 10)) == 3 * 3600


def test_pause_across_the_weekend_and_a_holiday(desk, time_machine):
    Holiday.objects.create(
        calendar=calendars.default_calendar(), date=dt.date(2026, 11, 21), name="تعطیل"
    )
    time_machine.move_to(at(19, 9), tick=False)  # Thursday 09:00; 4h resolution = 13:00
    ticket = open_ticket(desk)
    time_machine.move_to(at(19, 12), tick=False)
    services.change_status(ticket, "waiting_customer", user=desk["agent"])
    # Friday closed, Saturday a holiday: the customer answers on Sunday 08:30.
    time_machine.move_to(at(22, 8, 30), tick=False)
    services.change_status(ticket, "open", user=desk["agent"])
    s = clock(ticket)
    assert s.paused_seconds == (60 + 30) * 60  # Thursday 12-13 and Sunday 08:00-08:30
    assert s.resolution_due_at == at(22, 9, 30)  # the hour left, from 08:30


def test_resolving_stops_the_clock_and_reopening_resumes_it(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 11), tick=False)
    services.add_reply(ticket, user=desk["agent"], body="حل شد", status="resolved")
    s = clock(ticket)
    assert s.state == SlaState.STOPPED
    assert s.resolution_seconds == 2 * 3600
    time_machine.move_to(at(15, 9), tick=False)
    ticket.refresh_from_db()
    services.change_status(ticket, "reopened", user=desk["agent"])
    s = clock(ticket)
    assert s.state == SlaState.RUNNING
    assert s.resolved_at is None
    # Resolved Saturday 11:00 until Sunday 09:00 (7h business) is not counted: 2h left.
    assert s.resolution_due_at == at(15, 11)


def test_a_late_first_response_is_recorded_as_a_breach_without_escalation(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 12), tick=False)  # due at 11:00
    services.add_reply(ticket, user=desk["agent"], body="سلام")
    breach = SlaBreach.objects.get(ticket=ticket)
    assert breach.metric == SlaMetric.FIRST_RESPONSE
    assert breach.breached_at == at(14, 12)
    assert breach.escalated_to is None


# --- Warnings, breaches, escalation --------------------------------------------------------


def test_warning_before_the_deadline_notifies_the_assignee_once(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 10, 29), tick=False)
    assert sla.sweep() == {"warned": 0, "breached": 0}
    time_machine.move_to(at(14, 10, 31), tick=False)
    assert sla.sweep() == {"warned": 1, "breached": 0}
    assert sla.sweep() == {"warned": 0, "breached": 0}
    note = Notification.objects.get(user=desk["agent"], dedupe_key__startswith="ticket-sla-warn")
    assert ticket.reference in note.text
    assert clock(ticket).first_response_warned_at == at(14, 10, 31)


def test_breach_is_recorded_and_escalated_to_the_team_lead(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 11, 1), tick=False)
    counts = sla.sweep()
    assert counts["breached"] == 1
    breach = SlaBreach.objects.get(ticket=ticket)
    assert breach.metric == SlaMetric.FIRST_RESPONSE
    assert breach.due_at == at(14, 11)
    assert breach.escalated_to == desk["lead"]
    assert breach.assignee == desk["agent"]
    assert (
        Notification.objects.filter(user=desk["lead"], url=ticket.get_absolute_url()).count() == 1
    )
    # Idempotent: a second run (or a retried job) does nothing.
    assert sla.sweep()["breached"] == 0
    assert SlaBreach.objects.filter(ticket=ticket).count() == 1
    # Resolution breaches later, once.
    time_machine.move_to(at(14, 13, 1), tick=False)
    assert sla.check_ticket_sla(ticket.pk) == ["resolution:breached"]
    assert SlaBreach.objects.filter(ticket=ticket).count() == 2


def test_escalation_goes_up_the_team_hierarchy_when_the_lead_is_the_assignee(desk, time_machine):
    boss = agent("boss")
    parent = TeamFactory(name="مدیریت خدمات", manager=boss)
    desk["team"].parent = parent
    desk["team"].save()
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk, assignee=desk["lead"])
    time_machine.move_to(at(14, 12), tick=False)
    sla.sweep()
    assert SlaBreach.objects.get(ticket=ticket).escalated_to == boss


def test_check_ticket_sla_command(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    open_ticket(desk)
    time_machine.move_to(at(14, 11, 30), tick=False)
    out = StringIO()
    call_command("check_ticket_sla", stdout=out)
    assert out.getvalue().strip() == "warned=0 breached=1"


def test_resolved_tickets_are_not_swept(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    services.change_status(ticket, "resolved", user=desk["agent"])
    time_machine.move_to(at(16, 9), tick=False)
    assert sla.sweep() == {"warned": 0, "breached": 0}


# --- Breaching soon, panel, pages, API ------------------------------------------------------


def test_breaching_soon_lists_visible_tickets_nearest_first(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    first = open_ticket(desk)
    time_machine.move_to(at(14, 9, 30), tick=False)
    second = open_ticket(desk)
    time_machine.move_to(at(14, 10, 45), tick=False)
    soon = sla.breaching_soon(desk["agent"], within_minutes=30)
    assert [t.pk for t in soon] == [first.pk]
    assert soon[0].sla_metric == SlaMetric.FIRST_RESPONSE
    assert soon[0].sla_due_at == at(14, 11)
    assert [t.pk for t in sla.breaching_soon(desk["agent"], within_minutes=60)] == [
        first.pk,
        second.pk,
    ]
    outsider = UserFactory(role=None)
    assert sla.breaching_soon(outsider) == []


def test_sla_panel_shows_due_times_and_breaches(desk, time_machine, client):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 11, 30), tick=False)
    sla.sweep()
    from django.template.loader import render_to_string

    html = render_to_string("service/sla_panel.html", {"ticket": ticket})
    assert "Standard" in html
    assert "escalated to" in html or "ارجاع" in html


def test_ticket_sla_api_state_and_visibility(desk, time_machine, api_for):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 10), tick=False)
    response = api_for(desk["agent"]).get(f"/api/v1/service/sla/tickets/{ticket.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "running"
    assert body["elapsed_minutes"] == 60
    first = body["metrics"][0]
    assert first["metric"] == "first_response" and first["remaining_minutes"] == 60
    stranger = agent("stranger", team=TeamFactory(name="دیگر"))
    from peyvand.accounts.services import set_module_sharing

    set_module_sharing("tickets", "team")
    assert api_for(stranger).get(f"/api/v1/service/sla/tickets/{ticket.pk}").status_code == 404
    assert (
        api_for(UserFactory(role=None)).get(f"/api/v1/service/sla/tickets/{ticket.pk}").status_code
        == 403
    )


def test_policy_api_permissions_and_bad_input(desk, api_for, admin_user, rep):
    payload = {
        "name": "Gold",
        "priorities": ["high"],
        "customer_tags": ["VIP"],
        "first_response_minutes": 30,
        "resolution_minutes": 240,
    }
    assert api_for(rep).post("/api/v1/service/sla/policies", payload).status_code == 403
    admin = api_for(admin_user)
    created = admin.post("/api/v1/service/sla/policies", payload)
    assert created.status_code == 201, created.content
    assert created.json()["calendar_id"] == calendars.default_calendar().pk

    bad = admin.post("/api/v1/service/sla/policies", {**payload, "resolution_minutes": 10})
    assert bad.status_code == 422
    assert "resolution_minutes" in bad.json()["errors"]
    bad = admin.post("/api/v1/service/sla/policies", {**payload, "priorities": ["sometime"]})
    assert bad.status_code == 422 and "priorities" in bad.json()["errors"]
    bad = admin.post("/api/v1/service/sla/policies", {**payload, "calendar_id": 999999})
    assert bad.status_code == 422 and "calendar_id" in bad.json()["errors"]
    bad = admin.post("/api/v1/service/sla/policies", {**payload, "first_response_minutes": 0})
    assert bad.status_code == 422
    assert SlaPolicy.objects.filter(name="Gold").count() == 1


def test_calendar_and_holiday_api(db, api_for, admin_user, rep):
    admin = api_for(admin_user)
    hours = {"5": "08:00-12:00, 13:00-16:00", "6": "۰۸:۰۰ تا ۱۶:۰۰", "3": ""}
    created = admin.post(
        "/api/v1/service/sla/calendars", {"name": "Mashhad", "weekly_hours": hours}
    )
    assert created.status_code == 201, created.content
    cal = created.json()
    assert cal["weekly_hours"]["5"] == "08:00-12:00, 13:00-16:00"
    assert cal["weekly_hours"]["6"] == "08:00-16:00"

    bad = admin.post(
        "/api/v1/service/sla/calendars", {"name": "Bad", "weekly_hours": {"5": "17:00-08:00"}}
    )
    assert bad.status_code == 422 and "weekly_hours" in bad.json()["errors"]
    bad = admin.post(
        "/api/v1/service/sla/calendars",
        {"name": "Bad", "time_zone": "Mars/Base", "weekly_hours": {"5": "08:00-17:00"}},
    )
    assert bad.status_code == 422 and "time_zone" in bad.json()["errors"]

    holiday = admin.post(
        f"/api/v1/service/sla/calendars/{cal['id']}/holidays",
        {"date": "1405/09/01", "name": "تعطیلی محلی"},
    )
    assert holiday.status_code == 201, holiday.content
    assert holiday.json()["date"] == "2026-11-22"
    again = admin.post(
        f"/api/v1/service/sla/calendars/{cal['id']}/holidays", {"date": "2026-11-22", "name": "x"}
    )
    assert again.status_code == 422 and "date" in again.json()["errors"]
    bad_date = admin.post(
        f"/api/v1/service/sla/calendars/{cal['id']}/holidays", {"date": "1405/13/40", "name": "x"}
    )
    assert bad_date.status_code == 422 and "date" in bad_date.json()["errors"]
    assert api_for(rep).get("/api/v1/service/sla/calendars").status_code == 403


def test_default_calendar_is_the_iranian_week_with_fixed_holidays(db):
    import jdatetime

    calendar = calendars.default_calendar()
    assert calendar.time_zone == "Asia/Tehran"
    assert calendar.intervals(4) == []  # Friday
    assert calendar.intervals(3) == [(480, 780)]  # Thursday
    year = jdatetime.date.today().year
    nowruz = jdatetime.date(year, 1, 1).togregorian()
    assert calendar.holidays.filter(date=nowruz).exists()
    assert calendar.holidays.count() == 10
    assert calendars.default_calendar().pk == calendar.pk


def test_settings_pages_permissions_and_bad_input(db, client, admin_user, rep):
    client.force_login(rep)
    assert client.get(reverse("service:sla_settings")).status_code == 403
    assert client.post(reverse("service:sla_calendar_new"), {"name": "x"}).status_code == 403
    admin_client = client
    admin_client.force_login(admin_user)
    assert admin_client.get(reverse("service:sla_settings")).status_code == 200
    data = {
        "name": "Shiraz",
        "time_zone": "Asia/Tehran",
        "hours_5": "08:00-12:00, 13:00-17:00",
        "hours_6": "08:00-17:00",
        "hours_0": "8-17",
        "hours_1": "",
        "hours_2": "",
        "hours_3": "08:00-13:00",
        "hours_4": "",
    }
    response = admin_client.post(reverse("service:sla_calendar_new"), data)
    assert response.status_code == 302
    bad = admin_client.post(
        reverse("service:sla_calendar_new"), {**data, "name": "X", "hours_5": "25-26"}
    )
    assert bad.status_code == 422
    assert bad.context["form"].errors["hours_5"]
    calendar_pk = int(response["Location"].rstrip("/").split("/")[-1])
    holiday = admin_client.post(
        reverse("service:sla_holiday_add", args=[calendar_pk]),
        {"date": "۱۴۰۵/۰۹/۰۱", "name": "محلی"},
    )
    assert holiday.status_code == 302
    assert Holiday.objects.filter(calendar_id=calendar_pk, date=dt.date(2026, 11, 22)).exists()
    bad_holiday = admin_client.post(
        reverse("service:sla_holiday_add", args=[calendar_pk]), {"date": "فردا", "name": "x"}
    )
    assert bad_holiday.status_code == 422
    policy = admin_client.post(
        reverse("service:sla_policy_new"),
        {
            "name": "Gold",
            "position": "۱",
            "is_active": "on",
            "priorities": ["urgent"],
            "customer_tags": "VIP، طلایی",
            "first_response_minutes": "۳۰",
            "resolution_minutes": "240",
            "warn_before_minutes": "10",
            "calendar": calendar_pk,
        },
    )
    assert policy.status_code == 302, policy.content.decode()[:2000]
    gold = SlaPolicy.objects.get(name="Gold")
    assert gold.customer_tags == ["VIP", "طلایی"] and gold.first_response_minutes == 30


def test_breaches_page(desk, time_machine, client):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    time_machine.move_to(at(14, 11, 30), tick=False)
    sla.sweep()
    client.force_login(desk["lead"])
    page = client.get(reverse("service:sla_breaches"))
    assert page.status_code == 200
    assert ticket.reference in page.content.decode()


def test_waiting_statuses_other_than_the_customer_do_not_pause(desk, time_machine):
    time_machine.move_to(at(14, 9), tick=False)
    ticket = open_ticket(desk)
    services.change_status(ticket, TicketStatus.WAITING_THIRD_PARTY, user=desk["agent"])
    assert clock(ticket).state == SlaState.RUNNING


def test_settings_pages_render_and_holiday_actions(desk, client, admin_user):
    client.force_login(admin_user)
    default = calendars.default_calendar()
    page = client.get(reverse("service:sla_calendar", args=[default.pk]))
    assert page.status_code == 200 and "نوروز" in page.content.decode()
    assert client.get(reverse("service:sla_policy_new")).status_code == 200
    assert client.get(reverse("service:sla_policy", args=[desk["policy"].pk])).status_code == 200
    # The default calendar cannot be deleted; a calendar in use neither.
    client.post(reverse("service:sla_calendar_delete", args=[default.pk]))
    assert type(default).objects.filter(pk=default.pk).exists()
    # Next year's fixed holidays, once.
    seed = reverse("service:sla_holidays_seed", args=[default.pk])
    before = default.holidays.count()
    client.post(seed, {"year": "۱۴۰۶"})
    client.post(seed, {"year": "1406"})
    assert default.holidays.count() == before + 10
    holiday = default.holidays.first()
    client.post(reverse("service:sla_holiday_delete", args=[holiday.pk]))
    assert not Holiday.objects.filter(pk=holiday.pk).exists()


def test_agents_cannot_change_sla_settings(desk, client):
    client.force_login(desk["agent"])
    assert client.get(reverse("service:sla_settings")).status_code == 403
    default = calendars.default_calendar()
    assert client.post(reverse("service:sla_holidays_seed", args=[default.pk])).status_code == 403
    assert (
        client.post(reverse("service:sla_policy_delete", args=[desk["policy"].pk])).status_code
        == 403
    )
    assert SlaPolicy.objects.filter(pk=desk["policy"].pk).exists()


def test_replays_of_history_queue_no_deferred_checks(
    desk, settings, time_machine, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    time_machine.move_to(at(19, 12), tick=False)
    default_task_backend.clear()

    with django_capture_on_commit_callbacks(execute=True), sla.scheduling_paused():
        open_ticket(desk)
    assert default_task_backend.results == []

    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(desk)
    assert default_task_backend.results


def test_due_times_are_shown_in_the_users_own_time_zone(desk, time_machine):
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    time_machine.move_to(at(14, 9), tick=False)  # Saturday 09:00 Tehran; 2h to first response
    ticket = open_ticket(desk)

    def panel(zone: str) -> str:
        with translation.override("en"), timezone.override(ZoneInfo(zone)):
            return render_to_string("service/sla_panel.html", {"ticket": ticket})

    assert "11:00" in panel("Asia/Tehran")
    # 11:00 in Tehran (UTC+3:30) is 08:30 in Berlin (UTC+1 in November).
    assert "08:30" in panel("Europe/Berlin") and "11:00" not in panel("Europe/Berlin")
