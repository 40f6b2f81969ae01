import pytest
from django.urls import reverse

from peyvand.accounts import permissions as p
from peyvand.accounts.models import ModuleSharing, Role, Team, User
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("accounts:settings", []),
    ("accounts:settings_user_create", []),
    ("accounts:settings_teams", []),
    ("accounts:settings_team_create", []),
    ("accounts:settings_roles", []),
    ("accounts:settings_role_create", []),
    ("accounts:settings_sharing", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_settings_pages_are_forbidden_without_the_settings_permission(rep_client, name, args):
    response = rep_client.get(reverse(name, args=args))
    assert response.status_code == 403
    assert rep_client.post(reverse(name, args=args), {}).status_code == 403


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_settings_pages_open_for_administrators(admin_client, name, args):
    assert admin_client.get(reverse(name, args=args)).status_code == 200


def test_a_manager_may_look_but_not_change(client):
    manager = UserFactory(role=RoleFactory(name="Manager"))
    client.force_login(manager)
    assert client.get(reverse("accounts:settings")).status_code == 200
    response = client.post(
        reverse("accounts:settings_team_create"), {"name": "X", "department": "sales"}
    )
    assert response.status_code == 403
    assert not Team.objects.exists()


def test_users_list_is_paginated_by_keyset(admin_client):
    for i in range(3):
        UserFactory(username=f"u{i}")
    response = admin_client.get(reverse("accounts:settings"), {"q": "u1"})
    assert [u.username for u in response.context["page"].items] == ["u1"]


def test_creating_a_user_sets_an_argon2_password(production_hashers, admin_client):
    team = TeamFactory(name="فروش")
    role = Role.objects.get(name="Sales representative")
    response = admin_client.post(
        reverse("accounts:settings_user_create"),
        {
            "username": "neda",
            "first_name": "ندا",
            "last_name": "کریمی",
            "email": "Neda@Example.com",
            "team": team.pk,
            "role": role.pk,
            "department": "sales",
            "language": "fa",
            "is_active": "on",
            "is_available": "on",
            "password": "Kh0sh-Amadid-2024",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    neda = User.objects.get(username="neda")
    assert neda.password.startswith("argon2") and neda.check_password("Kh0sh-Amadid-2024")
    assert (neda.team, neda.role, neda.email) == (team, role, "neda@example.com")


def test_weak_passwords_are_rejected_with_a_translated_error(admin_client):
    response = admin_client.post(
        reverse("accounts:settings_user_create"),
        {"username": "neda", "last_name": "کریمی", "language": "fa", "password": "12345678"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "این رمز عبور بسیار رایج است" in html
    assert not User.objects.filter(username="neda").exists()


def test_editing_a_user_keeps_the_password_when_left_empty(admin_client):
    neda = UserFactory(username="neda")
    old_hash = neda.password
    response = admin_client.post(
        reverse("accounts:settings_user_edit", args=[neda.pk]),
        {
            "username": "neda",
            "last_name": "کریمی",
            "language": "en",
            "is_active": "on",
            "password": "",
        },
    )
    assert response.status_code == 302
    neda.refresh_from_db()
    assert neda.password == old_hash and neda.language == "en" and not neda.is_available


def test_only_a_superuser_may_change_a_superuser(admin_client):
    root = UserFactory(username="root", is_superuser=True)
    url = reverse("accounts:settings_user_edit", args=[root.pk])
    assert admin_client.get(url).status_code == 403
    response = admin_client.post(
        url, {"username": "root", "last_name": "x", "language": "fa", "password": "N3w-Passphrase!"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert not root.check_password("N3w-Passphrase!")


def test_role_matrix_is_saved(admin_client):
    role = Role.objects.create(name="Intern", permissions={"retired_module": ["view"]})
    response = admin_client.get(reverse("accounts:settings_role_edit", args=[role.pk]))
    html = response.content.decode()
    for module in p.modules():
        assert f'name="perm__{module.code}__view"' in html

    response = admin_client.post(
        reverse("accounts:settings_role_edit", args=[role.pk]),
        {
            "name": "Intern",
            "perm__contacts__view": "on",
            "perm__contacts__add": "on",
            "perm__tasks__view": "on",
            "perm__bogus__view": "on",
        },
    )
    assert response.status_code == 302
    role.refresh_from_db()
    # Grants of a module that is not registered now ("retired_module") are kept for when it returns.
    assert role.permissions == {
        "contacts": ["add", "view"],
        "tasks": ["view"],
        "retired_module": ["view"],
    }
    intern = UserFactory(role=role)
    assert p.has_perm(intern, p.CONTACTS, p.ADD) and not p.has_perm(intern, p.CONTACTS, p.DELETE)


def test_new_role_names_must_be_unique(admin_client):
    response = admin_client.post(
        reverse("accounts:settings_role_create"), {"name": "administrator"}
    )
    assert response.status_code == 422
    assert "نقشی با این نام" in response.content.decode()


def test_team_cycle_is_rejected(admin_client):
    sales = TeamFactory(name="Sales")
    north = TeamFactory(name="North", parent=sales)
    east = TeamFactory(name="East", parent=north)
    response = admin_client.post(
        reverse("accounts:settings_team_edit", args=[sales.pk]),
        {"name": "Sales", "department": "sales", "parent": east.pk},
    )
    assert response.status_code == 422
    assert "زیرتیم" in response.content.decode()
    sales.refresh_from_db()
    assert sales.parent is None


def test_team_is_created_with_parent_and_manager(admin_client, admin_user):
    sales = TeamFactory(name="Sales")
    response = admin_client.post(
        reverse("accounts:settings_team_create"),
        {"name": "شمال", "department": "sales", "parent": sales.pk, "manager": admin_user.pk},
    )
    assert response.status_code == 302
    north = Team.objects.get(name="شمال")
    assert (north.parent, north.manager) == (sales, admin_user)
    assert admin_user.managed_team_ids() == {north.pk}


def test_module_sharing_is_saved_and_applies_at_once(admin_client):
    assert ModuleSharing.scope_for(p.CONTACTS) == p.SHARE_ALL
    data = {m.code: p.SHARE_ALL for m in p.modules() if m.shareable}
    data[p.CONTACTS] = p.SHARE_TEAM
    response = admin_client.post(reverse("accounts:settings_sharing"), data)
    assert response.status_code == 302
    assert ModuleSharing.scope_for(p.CONTACTS) == p.SHARE_TEAM
    assert "settings" not in data  # not shareable: no choice offered


def test_unknown_sharing_scope_is_a_field_error(admin_client):
    data = {m.code: p.SHARE_ALL for m in p.modules() if m.shareable}
    data[p.CONTACTS] = "world"
    response = admin_client.post(reverse("accounts:settings_sharing"), data)
    assert response.status_code == 422
    assert not ModuleSharing.objects.filter(module=p.CONTACTS).exists()
