import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peyvand.contacts.panels import panels_for
from peyvand.tasks.models import Task
from peyvand.tasks.selectors import next_step_for

from .factories import CompanyFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_next_step_is_the_open_task_due_soonest():
    contact = ContactFactory()
    now = timezone.now()
    TaskFactory(contact=contact)  # no date: last
    TaskFactory(contact=contact, due_at=now - dt.timedelta(days=9), done_at=now)  # done
    soon = TaskFactory(contact=contact, due_at=now + dt.timedelta(days=1))
    TaskFactory(contact=contact, due_at=now + dt.timedelta(days=2))
    TaskFactory(contact=ContactFactory(), due_at=now - dt.timedelta(days=5))
    assert next_step_for(contact) == soon


def test_an_undated_task_is_a_next_step_when_nothing_is_dated():
    company = CompanyFactory()
    task = TaskFactory(company=company)
    assert next_step_for(company) == task
    assert next_step_for(CompanyFactory()) is None


def test_the_panel_is_registered_on_the_side(rep, no_role_user):
    panel = next(p for p in panels_for("contact", rep) if p.key == "tasks")
    assert (panel.column, panel.order) == ("side", 10)
    assert "tasks" not in {p.key for p in panels_for("company", no_role_user)}


def test_the_panel_shows_the_next_step_and_open_tasks(rep_client, rep):
    contact = ContactFactory(owner=rep)
    first = TaskFactory(
        contact=contact, title="تماس فردا", due_at=timezone.now() + dt.timedelta(days=1)
    )
    TaskFactory(contact=contact, title="ارسال کاتالوگ")
    html = rep_client.get(
        reverse("tasks:panel", args=["contact", contact.pk]), headers=HTMX
    ).content.decode()
    next_step = html.split("next-step")[1].split("</p>")[0]
    assert first.title in next_step
    assert "ارسال کاتالوگ" in html
    assert 'name="task-title"' in html


def test_adding_a_task_from_the_panel_links_it_to_the_record(rep_client, rep):
    company = CompanyFactory()
    response = rep_client.post(
        reverse("tasks:panel", args=["company", company.pk]),
        {
            "task-title": "جلسه با مدیرعامل",
            "task-due_at": "1403/05/20 10:00",
            "task-priority": "normal",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    task = Task.objects.get()
    assert (task.company, task.contact, task.assignee) == (company, None, rep)
    assert "جلسه با مدیرعامل" in response.content.decode()


def test_panel_errors_are_swapped_in_with_422(rep_client):
    contact = ContactFactory()
    response = rep_client.post(
        reverse("tasks:panel", args=["contact", contact.pk]),
        {"task-title": "", "task-priority": "normal"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "این فیلد لازم است." in response.content.decode()
    assert not Task.objects.exists()


def test_ticking_a_task_in_the_panel_refreshes_the_next_step(rep_client, rep):
    contact = ContactFactory()
    first = TaskFactory(
        contact=contact, title="آلفا", due_at=timezone.now() + dt.timedelta(hours=1)
    )
    TaskFactory(contact=contact, title="بتا", due_at=timezone.now() + dt.timedelta(hours=2))
    response = rep_client.post(
        reverse("tasks:toggle", args=[first.pk]), {"done": "1", "panel": "contact"}, headers=HTMX
    )
    html = response.content.decode()
    assert 'id="tasks-panel"' in html
    assert "بتا" in html.split("next-step")[1].split("</p>")[0]
    assert "آلفا" not in html


def test_the_contact_page_shows_the_tasks_panel(rep_client, rep):
    contact = ContactFactory(owner=rep)
    TaskFactory(contact=contact, title="پیگیری پیش‌فاکتور", due_at=timezone.now())
    html = rep_client.get(contact.get_absolute_url()).content.decode()
    assert 'id="tasks-panel"' in html and "پیگیری پیش‌فاکتور" in html
