import pytest
from django.db.models.signals import pre_save

from peyvand.accounts.models import Role
from peyvand.service.roles import SERVICE_GRANTS


def _add_service_grants(sender, instance, **kwargs):
    grants = SERVICE_GRANTS.get(instance.name)
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
def _default_roles_have_service_grants():
    """Roles made by factories get the grants migration 0002 gives existing default roles."""
    pre_save.connect(_add_service_grants, sender=Role, dispatch_uid="service-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="service-test-grants")
