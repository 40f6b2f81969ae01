import pytest

from peyvand.accounts import permissions as p
from peyvand.accounts.models import ModuleSharing, Role
from peyvand.accounts.roles import DEFAULT_ROLES
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role_name", sorted(DEFAULT_ROLES))
def test_has_perm_follows_the_role_grants(role_name):
    role = Role.objects.get(name=role_name)
    # The data migration seeded every default role with at least its default grants.
    for module, actions in DEFAULT_ROLES[role_name].items():
        assert set(actions) <= set(role.permissions[module])
    user = UserFactory(role=role)
    for module in p.modules():
        for action in p.ACTIONS:
            expected = action in role.permissions.get(module.code, [])
            assert p.has_perm(user, module.code, action) is expected, (module.code, action)


def test_no_role_inactive_and_anonymous_users_have_no_permission():
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(role=RoleFactory(name="Administrator"), is_active=False)
    for user in (UserFactory(role=None), inactive, AnonymousUser(), None):
        assert not p.has_perm(user, p.CONTACTS, p.VIEW)


def test_superuser_has_every_permission_without_a_role():
    boss = UserFactory(role=None, is_superuser=True)
    assert all(p.has_perm(boss, m.code, a) for m in p.modules() for a in p.ACTIONS)


def test_require_perm_raises_permission_denied():
    from django.core.exceptions import PermissionDenied

    viewer = UserFactory(role=RoleFactory(name="Read only"))
    p.require_perm(viewer, p.CONTACTS, p.VIEW)
    with pytest.raises(PermissionDenied):
        p.require_perm(viewer, p.CONTACTS, p.DELETE)


@pytest.fixture
def org():
    """Sales (managed by Mina) has two sub-teams: North (managed by Reza) and, below North,
    North-East. Support is a separate team."""
    mina, reza = UserFactory(username="mina"), UserFactory(username="reza")
    sales = TeamFactory(name="Sales", manager=mina)
    north = TeamFactory(name="North", parent=sales, manager=reza)
    north_east = TeamFactory(name="North-East", parent=north)
    support = TeamFactory(name="Support")
    mina.team, reza.team = sales, north
    mina.save()
    reza.save()
    ali = UserFactory(username="ali", team=north_east)
    sahar = UserFactory(username="sahar", team=support)
    records = {
        "mina": Contact.objects.create(last_name="mina's", owner=mina, team=sales),
        "reza": Contact.objects.create(last_name="reza's", owner=reza, team=north),
        "ali": Contact.objects.create(last_name="ali's", owner=ali, team=north_east),
        "sahar": Contact.objects.create(last_name="sahar's", owner=sahar, team=support),
        "ali-in-support": Contact.objects.create(last_name="ali's other", owner=ali, team=support),
    }
    return {"mina": mina, "reza": reza, "ali": ali, "sahar": sahar, "records": records}


def visible(org, username):
    user = org[username]
    qs = Contact.objects.filter(p.visible_filter(user, p.CONTACTS))
    names = {v.pk: k for k, v in org["records"].items()}
    return {names[pk] for pk in qs.values_list("pk", flat=True)}


def share(scope):
    ModuleSharing.objects.update_or_create(module=p.CONTACTS, defaults={"scope": scope})


def test_scope_all_shows_every_record(org):
    share(p.SHARE_ALL)
    assert visible(org, "sahar") == set(org["records"])


def test_scope_team_shows_the_team_records_and_the_users_own(org):
    share(p.SHARE_TEAM)
    assert visible(org, "sahar") == {"sahar", "ali-in-support"}
    assert visible(org, "ali") == {"ali", "ali-in-support"}


def test_scope_hierarchy_managers_see_every_team_below_them(org):
    share(p.SHARE_HIERARCHY)
    assert visible(org, "mina") == {"mina", "reza", "ali"}
    assert visible(org, "reza") == {"reza", "ali"}
    assert visible(org, "ali") == {"ali", "ali-in-support"}  # only their own records
    assert visible(org, "sahar") == {"sahar"}


def test_superuser_sees_everything_whatever_the_scope(org):
    share(p.SHARE_HIERARCHY)
    boss = UserFactory(role=None, is_superuser=True)
    assert Contact.objects.filter(p.visible_filter(boss, p.CONTACTS)).count() == 5


def test_without_view_permission_nothing_is_visible(org):
    share(p.SHARE_ALL)
    org["sahar"].role = None
    assert visible(org, "sahar") == set()


def test_changing_a_team_manager_takes_effect_at_once(org):
    share(p.SHARE_HIERARCHY)
    assert visible(org, "sahar") == {"sahar"}
    north = org["reza"].team
    north.manager = org["sahar"]
    north.save()
    assert visible(org, "sahar") == {"sahar", "reza", "ali"}


def test_changing_sharing_takes_effect_at_once(org):
    share(p.SHARE_TEAM)
    assert visible(org, "mina") == {"mina"}
    share(p.SHARE_ALL)
    assert visible(org, "mina") == set(org["records"])


def test_permission_map_in_templates(client):
    user = UserFactory(role=RoleFactory(name="Marketer"))
    client.force_login(user)
    response = client.get("/accounts/profile/")
    assert response.context["PERMS"]["contacts"] == {"view", "export"}
    assert response.context["PERMS"]["settings"] == set()
