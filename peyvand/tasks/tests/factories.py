import factory
from factory.django import DjangoModelFactory

from peyvand.accounts.tests.factories import UserFactory
from peyvand.tasks.models import Task
from peyvand.timeline.tests.factories import CompanyFactory, ContactFactory

__all__ = ["CompanyFactory", "ContactFactory", "TaskFactory"]


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"پیگیری شماره {n}")
    assignee = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("assignee")
