import factory
from factory.django import DjangoModelFactory

from peyvand.accounts.models import Role, Team, User
from peyvand.accounts.roles import DEFAULT_ROLES


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"تیم {n}")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("name",)

    name = "Sales representative"
    permissions = factory.LazyAttribute(lambda o: DEFAULT_ROLES.get(o.name, {}))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "سارا"
    last_name = factory.Sequence(lambda n: f"کاربر{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = factory.SubFactory(RoleFactory)
    language = "fa"
    password = factory.django.Password("a-Str0ng-passphrase")
