import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.accounts.tests.factories import TeamFactory, UserFactory
from peyvand.tasks import services
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

from .factories import CompanyFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_a_new_task_is_the_creators_by_default(rep):
    rep.team = TeamFactory()
    rep.save()
    task = services.create_task(user=rep, title="  تماس با  مشتري ")
    assert (task.assignee, task.created_by, task.team) == (rep, rep, rep.team)
    assert task.title == "تماس با مشتری"
    assert task.priority == Task.Priority.NORMAL
    assert not Notification.objects.exists()


def test_assigning_to_someone_else_notifies_them_in_their_language(rep):
    colleague = UserFactory(username="colleague", language="en")
    task = services.create_task(user=rep, title="Send the quote", assignee=colleague)
    notification = Notification.objects.get(user=colleague)
    assert notification.text == f"{rep} gave you a task: Send the quote"
    assert notification.url == task.get_absolute_url()


def test_invalid_input_is_reported_field_by_field(rep):
    inactive = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError) as error:
        services.create_task(user=rep, title="  ", priority="urgent", assignee=inactive)
    assert set(error.value.message_dict) == {"title", "priority", "assignee"}
    assert not Task.objects.exists()


def test_a_task_cannot_be_about_a_merged_contact(rep):
    survivor = ContactFactory()
    merged = ContactFactory(merged_into=survivor)
    with pytest.raises(ValidationError) as error:
        services.create_task(user=rep, title="x", contact=merged)
    assert "contact" in error.value.message_dict


def test_update_changes_only_what_is_given(rep):
    contact = ContactFactory()
    task = services.create_task(user=rep, title="قدیمی", contact=contact)
    services.update_task(task, user=rep, title="جدید", priority="high")
    task.refresh_from_db()
    assert (task.title, task.priority, task.contact) == ("جدید", "high", contact)


def test_update_does_not_recheck_an_unchanged_link(rep):
    contact = ContactFactory()
    task = services.create_task(user=rep, title="x", contact=contact)
    contact.merged_into = ContactFactory()
    contact.save()
    services.update_task(task, user=rep, title="y")
    assert Task.objects.get(pk=task.pk).title == "y"


def test_update_rejects_unknown_fields(rep):
    with pytest.raises(TypeError):
        services.update_task(TaskFactory(), user=rep, done_at=timezone.now())


def test_a_new_reminder_time_is_a_new_reminder(rep):
    task = TaskFactory(remind_at=timezone.now() - dt.timedelta(hours=1), reminded_at=timezone.now())
    services.update_task(task, user=rep, remind_at=timezone.now() + dt.timedelta(days=1))
    task.refresh_from_db()
    assert task.reminded_at is None


def test_reassigning_moves_the_task_to_the_new_assignees_team(rep):
    team = TeamFactory()
    colleague = UserFactory(username="colleague", team=team)
    task = services.create_task(user=rep, title="x")
    services.update_task(task, user=rep, assignee=colleague)
    task.refresh_from_db()
    assert (task.assignee, task.team) == (colleague, team)
    assert Notification.objects.filter(user=colleague).count() == 1


def test_completing_writes_a_task_done_entry_on_the_linked_records(rep):
    contact, company = ContactFactory(), CompanyFactory()
    task = services.create_task(user=rep, title="ارسال پیش‌فاکتور", contact=contact, company=company)
    services.complete_task(task, user=rep)
    task.refresh_from_db()
    assert task.done_at is not None
    entry = TimelineEntry.objects.get()
    assert (entry.kind, entry.subject, entry.author) == ("task_done", "ارسال پیش‌فاکتور", rep)
    assert (entry.contact, entry.company, entry.source) == (contact, company, task)
    assert entry.occurred_at == task.done_at


def test_completing_twice_writes_one_entry(rep):
    task = services.create_task(user=rep, title="x", contact=ContactFactory())
    services.complete_task(task, user=rep)
    first_done_at = task.done_at
    services.complete_task(Task.objects.get(pk=task.pk), user=rep)
    assert TimelineEntry.objects.count() == 1
    assert Task.objects.get(pk=task.pk).done_at == first_done_at


def test_a_task_about_no_customer_completes_without_a_timeline_entry(rep):
    task = services.create_task(user=rep, title="x")
    services.complete_task(task, user=rep)
    assert task.is_done and not TimelineEntry.objects.exists()


def test_reopening_removes_the_task_done_entry(rep):
    task = services.create_task(user=rep, title="x", contact=ContactFactory())
    services.complete_task(task, user=rep)
    services.reopen_task(task, user=rep)
    assert Task.objects.get(pk=task.pk).done_at is None
    assert not TimelineEntry.objects.exists()


def test_delete(rep):
    task = TaskFactory()
    services.delete_task(task, user=rep)
    assert not Task.objects.exists()
