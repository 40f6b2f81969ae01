from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts import permissions as p
from peyvand.accounts.models import ModuleSharing
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.contacts.models import Company, Contact
from peyvand.dashboard import selectors
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db

HOME = "/"


def task(user, title, *, due_in_hours, done=False, **kw):
    now = timezone.now()
    return Task.objects.create(
        title=title,
        assignee=user,
        created_by=user,
        due_at=now + timedelta(hours=due_in_hours) if due_in_hours is not None else None,
        done_at=now if done else None,
        **kw,
    )


def test_home_requires_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_new_installation_shows_empty_states_in_persian(admin_client):
    response = admin_client.get(reverse("dashboard:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert "<title>خانه ·" in html  # the page, not "منزل" (a home phone or address)
    assert "هنوز مخاطبی ثبت نشده است" in html
    assert "هنوز فعالیتی ثبت نشده است" in html
    assert "نه کار عقب‌افتاده‌ای دارید" in html
    assert response.context["contact_count"].value == 0


def test_english_users_get_an_english_left_to_right_home(client):
    client.force_login(UserFactory(language="en", first_name="Sara"))
    html = client.get(HOME).content.decode()
    assert 'dir="ltr"' in html
    assert "Recently added contacts" in html
    assert ", Sara" in html


def test_greeting_follows_the_time_of_day():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from peyvand.dashboard.views import greeting

    tehran = ZoneInfo("Asia/Tehran")
    assert greeting(datetime(2024, 8, 2, 8, tzinfo=tehran)) == "صبح بخیر"
    with translation.override("en"):
        assert greeting(datetime(2024, 8, 2, 8, tzinfo=tehran)) == "Good morning"
        assert greeting(datetime(2024, 8, 2, 14, tzinfo=tehran)) == "Good afternoon"
        assert greeting(datetime(2024, 8, 2, 21, tzinfo=tehran)) == "Good evening"


def test_my_tasks_lists_overdue_first_then_today_and_nothing_else(client, rep):
    client.force_login(rep)
    later_today = timezone.localtime().replace(hour=23, minute=58) - timezone.localtime()
    task(rep, "due later today", due_in_hours=later_today.total_seconds() / 3600)
    task(rep, "overdue by a day", due_in_hours=-24)
    task(rep, "overdue by a week", due_in_hours=-24 * 7)
    task(rep, "next week", due_in_hours=24 * 7)
    task(rep, "done", due_in_hours=-3, done=True)
    task(rep, "no due date", due_in_hours=None)
    task(UserFactory(), "someone else's", due_in_hours=-2)

    response = client.get(HOME)
    titles = [t.title for t in response.context["my_tasks"]]
    assert titles[:2] == ["overdue by a week", "overdue by a day"]
    if later_today.total_seconds() > 0:
        assert titles[2:] == ["due later today"]
    counts = response.context["task_counts"]
    assert counts["open"].value == 5 and counts["overdue"].value == 2
    assert "overdue" in response.content.decode()


def test_tasks_assigned_by_a_manager_appear_in_my_tasks(client, rep):
    manager = UserFactory(role=RoleFactory(name="Manager"))
    Task.objects.create(
        title="call the supplier",
        assignee=rep,
        created_by=manager,
        due_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(rep)
    response = client.get(HOME)
    assert [t.title for t in response.context["my_tasks"]] == ["call the supplier"]
    assert response.context["task_counts"]["overdue"].value == 1


def test_my_tasks_shows_at_most_ten(rep):
    for i in range(14):
        task(rep, f"t{i}", due_in_hours=-i - 1)
    assert len(selectors.my_tasks_due(rep)) == 10


def test_recent_activity_and_contacts_respect_record_sharing(client):
    ModuleSharing.objects.create(module=p.CONTACTS, scope=p.SHARE_TEAM)
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    me = UserFactory(team=north)
    mine = Contact.objects.create(last_name="Ours", owner=me, team=north)
    theirs = Contact.objects.create(last_name="Theirs", team=south)
    company = Company.objects.create(name="Theirs Co", team=south)
    TimelineEntry.objects.create(kind="note", contact=mine, subject="call with ours", author=me)
    TimelineEntry.objects.create(kind="note", contact=theirs, subject="secret call")
    TimelineEntry.objects.create(kind="note", company=company, subject="secret meeting")

    client.force_login(me)
    response = client.get(HOME)
    html = response.content.decode()
    assert [e.subject for e in response.context["activity"]] == ["call with ours"]
    assert [c.pk for c in response.context["recent_contacts"]] == [mine.pk]
    assert "secret" not in html and "Theirs" not in html
    assert response.context["contact_count"].value == 1
    assert response.context["company_count"].value == 0


def test_recent_activity_is_the_latest_fifteen(admin_client):
    contact = Contact.objects.create(last_name="Busy")
    now = timezone.now()
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            kind="note", contact=contact, subject=f"e{i}", occurred_at=now - timedelta(minutes=i)
        )
        for i in range(20)
    )
    activity = admin_client.get(HOME).context["activity"]
    assert [e.subject for e in activity] == [f"e{i}" for i in range(15)]


def test_users_without_a_role_get_a_welcome_instead_of_cards(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert "به پیوند خوش آمدید" in html
    assert "contact_count" not in response.context and "activity" not in response.context


def test_a_read_only_user_sees_no_task_counts_without_task_permission(client):
    role = RoleFactory(name="Contacts only", permissions={"contacts": ["view"]})
    client.force_login(UserFactory(role=role))
    response = client.get(HOME)
    assert "task_counts" not in response.context
    assert "contact_count" in response.context


def test_big_customer_tables_show_an_approximate_count(admin_client, monkeypatch):
    from peyvand.core import counts

    monkeypatch.setattr(counts, "EXACT_LIMIT", 3)
    Contact.objects.bulk_create(Contact(last_name=f"c{i}") for i in range(6))
    response = admin_client.get(HOME)
    count = response.context["contact_count"]
    assert count.approximate and count.value >= 6
    assert "حدود" in response.content.decode()


def test_home_runs_a_bounded_number_of_queries(client, rep, django_assert_max_num_queries):
    team = TeamFactory(name="North")
    for i in range(12):
        contact = Contact.objects.create(last_name=f"c{i}", owner=rep, team=team)
        company = Company.objects.create(name=f"co{i}", owner=rep)
        task(rep, f"t{i}", due_in_hours=-i - 1, contact=contact)
        task(rep, f"u{i}", due_in_hours=-i - 1, company=company)
        TimelineEntry.objects.create(kind="note", contact=contact, author=rep, subject=f"s{i}")
        TimelineEntry.objects.create(kind="note", company=company, author=rep, subject=f"k{i}")
    client.force_login(rep)
    with django_assert_max_num_queries(14):
        response = client.get(HOME)
    assert response.status_code == 200
    assert len(response.context["my_tasks"]) == 10
    assert len(response.context["activity"]) == 15
