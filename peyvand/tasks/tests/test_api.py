import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

from .factories import CompanyFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/tasks"
NOW = dt.datetime(2024, 8, 2, 6, 30, tzinfo=dt.UTC)


def test_create_with_defaults(rep_api, rep):
    response = rep_api.post(URL, {"title": "تماس با آقاي رضايي"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "تماس با آقای رضایی"
    assert body["assignee"] == {"id": rep.pk, "name": rep.get_full_name()}
    assert (body["priority"], body["done"], body["due_at"]) == ("normal", False, None)


def test_create_linked_and_assigned(rep_api):
    contact, company = ContactFactory(), CompanyFactory()
    colleague = UserFactory(username="colleague")
    response = rep_api.post(
        URL,
        {
            "title": "جلسه",
            "due_at": "2024-08-10T10:00:00+03:30",
            "remind_at": "2024-08-10T09:00:00+03:30",
            "priority": "high",
            "assignee_id": colleague.pk,
            "contact_id": contact.pk,
            "company_id": company.pk,
        },
    )
    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert (task.assignee, task.contact, task.company) == (colleague, contact, company)
    assert task.due_at == dt.datetime(2024, 8, 10, 6, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "due_at": "next tuesday"}, "due_at"),
        ({"title": "x", "contact_id": 999999}, "contact_id"),
        ({"title": "x", "contact_id": "abc"}, "contact_id"),
        ({"title": "x", "company_id": 999999}, "company_id"),
        ({"title": "x", "assignee_id": 999999}, "assignee_id"),
        ({"title": "x", "done_at": "2024-01-01T00:00:00Z"}, "done_at"),
        ({"title": ["x"]}, "title"),
    ],
)
def test_create_bad_input(rep_api, payload, field):
    response = rep_api.post(URL, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Task.objects.exists()


def test_list_filters(rep_api, rep):
    contact = ContactFactory()
    with time_machine.travel(NOW, tick=False):
        overdue = TaskFactory(assignee=rep, contact=contact, due_at=NOW - dt.timedelta(days=1))
        later = TaskFactory(assignee=rep, due_at=NOW + dt.timedelta(days=1))
        undated = TaskFactory(assignee=rep)
        done = TaskFactory(assignee=rep, done_at=NOW)
        others = TaskFactory(due_at=NOW - dt.timedelta(days=2))

        def ids(**params):
            response = rep_api.get(URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["items"]]

        assert ids() == [others.pk, overdue.pk, later.pk, undated.pk]
        assert ids(assignee="me") == [overdue.pk, later.pk, undated.pk]
        assert ids(assignee=str(others.assignee_id)) == [others.pk]
        assert ids(contact_id=contact.pk) == [overdue.pk]
        assert ids(assignee="me", overdue="true") == [overdue.pk]
        assert ids(assignee="me", status="done") == [done.pk]
        assert len(ids(assignee="me", status="all")) == 4


def test_list_pages_with_a_cursor(rep_api, rep):
    tasks = [TaskFactory(assignee=rep, due_at=NOW + dt.timedelta(hours=i)) for i in range(3)]
    first = rep_api.get(URL, {"limit": 2}).json()
    second = rep_api.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [t.pk for t in tasks]
    assert second["next_cursor"] is None


def test_list_bad_input(rep_api):
    assert rep_api.get(URL, {"assignee": "someone"}).status_code == 422
    assert rep_api.get(URL, {"status": "maybe"}).status_code == 422
    assert rep_api.get(URL, {"cursor": "%%%"}).status_code == 400


def test_patch_fields_and_done(rep_api, rep):
    contact = ContactFactory()
    task = TaskFactory(assignee=rep, contact=contact, title="قدیمی")
    response = rep_api.patch(
        f"{URL}/{task.pk}", {"title": "جدید", "priority": "high", "done": True}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["priority"], body["done"]) == ("جدید", "high", True)
    assert TimelineEntry.objects.get(contact=contact).kind == "task_done"
    reopened = rep_api.patch(f"{URL}/{task.pk}", {"done": False}).json()
    assert reopened["done"] is False and not TimelineEntry.objects.exists()


def test_patch_null_clears_dates_and_links(rep_api, rep):
    task = TaskFactory(assignee=rep, contact=ContactFactory(), due_at=timezone.now())
    body = rep_api.patch(f"{URL}/{task.pk}", {"due_at": None, "contact_id": None}).json()
    assert body["due_at"] is None and body["contact"] is None


def test_patch_bad_input(rep_api, rep):
    task = TaskFactory(assignee=rep, title="ثابت")
    for payload, field in [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"priority": "urgent"}, "priority"),
        ({"done": "perhaps"}, "done"),
        ({"contact_id": 999999}, "contact_id"),
        ({"remind_at": "soon"}, "remind_at"),
    ]:
        response = rep_api.patch(f"{URL}/{task.pk}", payload)
        assert response.status_code == 422, (payload, response.content)
        assert field in response.json()["errors"], payload
    assert Task.objects.get(pk=task.pk).title == "ثابت"


def test_get_delete_and_permissions(rep_api, admin_api, api_for, readonly_user, rep):
    task = TaskFactory(assignee=rep)
    assert rep_api.get(f"{URL}/{task.pk}").json()["id"] == task.pk
    assert rep_api.get(f"{URL}/999999").status_code == 404
    readonly = api_for(readonly_user)
    assert readonly.post(URL, {"title": "x"}).status_code == 403
    assert readonly.patch(f"{URL}/{task.pk}", {"done": True}).status_code == 403
    assert rep_api.delete(f"{URL}/{task.pk}").status_code == 403
    assert admin_api.delete(f"{URL}/{task.pk}").status_code == 204
    assert not Task.objects.exists()


def test_tasks_of_others_follow_the_sharing_scope(api_for, rep):
    task = TaskFactory(assignee=UserFactory(username="other"))
    api = api_for(rep)
    assert api.get(f"{URL}/{task.pk}").status_code == 200
    set_module_sharing("tasks", SHARE_TEAM)
    assert api.get(f"{URL}/{task.pk}").status_code == 404
    mine = TaskFactory(assignee=UserFactory(username="third"), created_by=rep)
    assert api.get(f"{URL}/{mine.pk}").status_code == 200


def test_a_contact_the_user_cannot_see_cannot_be_linked(api_for, rep):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    hidden = ContactFactory(owner=UserFactory(username="other"))
    response = api_for(rep).post(URL, {"title": "x", "contact_id": hidden.pk})
    assert response.status_code == 422 and "contact_id" in response.json()["errors"]
