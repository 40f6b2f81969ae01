import pytest
from django.db.models.signals import pre_save

from peyvand.accounts.models import Role
from peyvand.knowledge.roles import KNOWLEDGE_GRANTS


def _add_knowledge_grants(sender, instance, **kwargs):
    grants = KNOWLEDGE_GRANTS.get(instance.name)
    if not grants:
        return
    # A copy: RoleFactory hands every role the same dict from accounts.roles.DEFAULT_ROLES.
    permissions = {
        module: list(actions) for module, actions in (instance.permissions or {}).items()
    }
    for module, actions in grants.items():
        permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
    instance.permissions = permissions


@pytest.fixture(autouse=True)
def _default_roles_have_knowledge_grants():
    """Roles made by factories get the grants migration 0002 gives existing default roles."""
    pre_save.connect(_add_knowledge_grants, sender=Role, dispatch_uid="knowledge-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="knowledge-test-grants")


@pytest.fixture
def agent(db):
    from .factories import UserFactory

    return UserFactory(username="agent", role__name="Support agent")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
