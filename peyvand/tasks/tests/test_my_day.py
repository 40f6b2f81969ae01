import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import TeamFactory, UserFactory
from peyvand.tasks import selectors
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

from .factories import ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
# 10:00 in Tehran on 1403/05/12.
NOW = dt.datetime(2024, 8, 2, 6, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def day(rep, frozen):
    return {
        "no_date": TaskFactory(assignee=rep, title="بدون تاریخ"),
        "upcoming": TaskFactory(assignee=rep, title="هفتهٔ بعد", due_at=NOW + dt.timedelta(days=7)),
        "today": TaskFactory(assignee=rep, title="عصر امروز", due_at=NOW + dt.timedelta(hours=6)),
        "overdue_old": TaskFactory(assignee=rep, title="دیروز", due_at=NOW - dt.timedelta(days=1)),
        "overdue": TaskFactory(assignee=rep, title="صبح امروز", due_at=NOW - dt.timedelta(hours=2)),
        "done": TaskFactory(
            assignee=rep, title="تمام‌شده", due_at=NOW - dt.timedelta(days=2), done_at=NOW
        ),
        "someone_elses": TaskFactory(title="مال دیگری", due_at=NOW - dt.timedelta(days=3)),
    }


def test_overdue_comes_first_then_today_upcoming_and_undated(rep, day):
    page = selectors.my_day(rep)
    assert [(t.title, t.bucket) for t in page.items] == [
        ("دیروز", "overdue"),
        ("صبح امروز", "overdue"),
        ("عصر امروز", "today"),
        ("هفتهٔ بعد", "upcoming"),
        ("بدون تاریخ", "no_date"),
    ]


def test_today_ends_at_midnight_in_tehran(rep, frozen):
    late = TaskFactory(assignee=rep, due_at=dt.datetime(2024, 8, 2, 20, 0, tzinfo=dt.UTC))
    tomorrow = TaskFactory(assignee=rep, due_at=dt.datetime(2024, 8, 2, 20, 31, tzinfo=dt.UTC))
    buckets = {t.pk: t.bucket for t in selectors.my_day(rep).items}
    assert buckets == {late.pk: "today", tomorrow.pk: "upcoming"}


def test_the_page_shows_sections_with_overdue_in_red(rep_client, day):
    html = rep_client.get(reverse("tasks:my_day")).content.decode()
    positions = [html.index(day[k].title) for k in ("overdue_old", "today", "upcoming", "no_date")]
    assert positions == sorted(positions)
    assert '<h2 class="overdue">' in html and "عقب‌افتاده" in html
    assert day["done"].title not in html and day["someone_elses"].title not in html


def test_done_tasks_on_request(rep_client, day):
    html = rep_client.get(reverse("tasks:my_day"), {"done": "1"}).content.decode()
    assert day["done"].title in html and day["overdue"].title not in html


def test_scopes(rep, frozen):
    team = TeamFactory()
    rep.team = team
    rep.save()
    teammate = UserFactory(username="teammate", team=team)
    mine = TaskFactory(assignee=rep)
    teams = TaskFactory(assignee=teammate, team=team)
    given = TaskFactory(assignee=UserFactory(username="outsider"), created_by=rep)
    assert {t.pk for t in selectors.my_day(rep).items} == {mine.pk}
    assert {t.pk for t in selectors.my_day(rep, scope="team").items} == {mine.pk, teams.pk}
    assert {t.pk for t in selectors.my_day(rep, scope="created").items} == {mine.pk, given.pk}


def test_my_day_pages_with_a_cursor(rep, frozen):
    tasks = [TaskFactory(assignee=rep, due_at=NOW + dt.timedelta(hours=i)) for i in range(3)]
    undated = TaskFactory(assignee=rep)
    first = selectors.my_day(rep, limit=2)
    second = selectors.my_day(rep, limit=2, cursor=first.next_cursor)
    assert [t.pk for t in first.items + second.items] == [t.pk for t in tasks] + [undated.pk]
    assert not second.has_next


def test_my_day_is_a_bounded_number_of_queries(
    rep_client, rep, frozen, django_assert_max_num_queries
):
    contact = ContactFactory()
    for i in range(30):
        TaskFactory(assignee=rep, contact=contact, due_at=NOW + dt.timedelta(hours=i))
    rep_client.get(reverse("tasks:my_day"))
    with django_assert_max_num_queries(10):
        assert rep_client.get(reverse("tasks:my_day")).status_code == 200


def test_ticking_the_checkbox_completes_the_task_and_returns_its_row(rep_client, rep):
    contact = ContactFactory()
    task = TaskFactory(assignee=rep, contact=contact)
    response = rep_client.post(reverse("tasks:toggle", args=[task.pk]), {"done": "1"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<li") and "checked" in html and "done-title" in html
    assert Task.objects.get(pk=task.pk).done_at is not None
    assert TimelineEntry.objects.get(contact=contact).kind == "task_done"
    # An unticked checkbox sends nothing: the task is open again.
    rep_client.post(reverse("tasks:toggle", args=[task.pk]), {}, headers=HTMX)
    assert Task.objects.get(pk=task.pk).done_at is None


def test_the_detail_page_button_works_without_htmx(rep_client, rep):
    task = TaskFactory(assignee=rep)
    response = rep_client.post(reverse("tasks:toggle", args=[task.pk]), {"done": "1"})
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert Task.objects.get(pk=task.pk).is_done


def test_adding_a_task_with_a_jalali_date_and_time(rep_client, rep):
    colleague = UserFactory(username="colleague")
    response = rep_client.post(
        reverse("tasks:create"),
        {
            "title": "ارسال قرارداد",
            "due_at": "۱۴۰۳/۰۵/۱۲ ۱۶:۰۰",
            "remind_at": "1403/05/12 15:30",
            "priority": "high",
            "assignee": colleague.pk,
            "next": reverse("tasks:my_day"),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("tasks:my_day")
    task = Task.objects.get()
    local = timezone.localtime(task.due_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2024, 8, 2), 16, 0)
    assert timezone.localtime(task.remind_at).hour == 15
    assert (task.assignee, task.created_by, task.priority) == (colleague, rep, "high")


def test_a_date_without_a_time_is_due_by_the_end_of_that_day(rep_client):
    rep_client.post(
        reverse("tasks:create"), {"title": "x", "due_at": "1403/05/12", "priority": "normal"}
    )
    local = timezone.localtime(Task.objects.get().due_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2024, 8, 2), 23, 59)


def test_the_form_links_the_contact_it_was_opened_from(rep_client, rep):
    contact = ContactFactory(owner=rep)
    page = rep_client.get(reverse("tasks:create"), {"contact": contact.pk}).content.decode()
    assert f'name="contact" value="{contact.pk}"' in page and contact.full_name in page
    rep_client.post(
        reverse("tasks:create"), {"title": "x", "priority": "normal", "contact": contact.pk}
    )
    assert Task.objects.get().contact == contact


def test_bad_input_is_answered_422_next_to_the_fields(rep_client):
    response = rep_client.post(
        reverse("tasks:create"), {"title": "", "due_at": "1403/13/40", "priority": "normal"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "این فیلد لازم است." in html
    assert "تاریخ و ساعت معتبر وارد کنید" in html
    assert not Task.objects.exists()


def test_a_contact_the_user_cannot_see_cannot_be_linked(client, rep):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    hidden = ContactFactory(owner=UserFactory(username="other"))
    client.force_login(rep)
    response = client.post(
        reverse("tasks:create"), {"title": "x", "priority": "normal", "contact": hidden.pk}
    )
    assert response.status_code == 422 and not Task.objects.exists()


def test_detail_and_edit(rep_client, rep):
    task = TaskFactory(assignee=rep, title="قبلی", description="شرح")
    assert "شرح" in rep_client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    form = rep_client.get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert 'value="قبلی"' in form
    response = rep_client.post(
        reverse("tasks:edit", args=[task.pk]),
        {"title": "بعدی", "priority": "low", "assignee": rep.pk, "due_at": "2024-08-10 09:00"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority, task.description) == ("بعدی", "low", "")
    assert timezone.localtime(task.due_at).date() == dt.date(2024, 8, 10)


def test_delete_needs_the_permission(rep, admin_user):
    task = TaskFactory(assignee=rep)
    as_rep, as_admin = Client(), Client()
    as_rep.force_login(rep)
    as_admin.force_login(admin_user)
    assert as_rep.post(reverse("tasks:delete", args=[task.pk])).status_code == 403
    assert as_admin.post(reverse("tasks:delete", args=[task.pk])).status_code == 302
    assert not Task.objects.exists()


def test_permissions_and_visibility(client, no_role_user, readonly_user):
    task = TaskFactory()
    client.force_login(no_role_user)
    assert client.get(reverse("tasks:my_day")).status_code == 403
    client.force_login(readonly_user)
    assert client.get(reverse("tasks:my_day")).status_code == 200
    assert client.post(reverse("tasks:toggle", args=[task.pk]), {"done": "1"}).status_code == 403
    assert client.get(reverse("tasks:create")).status_code == 403
    set_module_sharing("tasks", SHARE_TEAM)
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
