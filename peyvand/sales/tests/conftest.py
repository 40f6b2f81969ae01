"""Shared by every sales test module (deals, quotes, targets): roles made by factories get the
grants the sales and leads migrations give the default roles (a flushed database, as in
live-server tests, no longer has the migrated ones). Add further grants to _GRANTS."""

import pytest
from django.db.models.signals import pre_save

from peyvand.accounts.models import Role
from peyvand.commerce.roles import COMMERCE_GRANTS
from peyvand.leads.roles import LEAD_GRANTS
from peyvand.sales.roles import DEAL_GRANTS

_GRANTS = [LEAD_GRANTS, DEAL_GRANTS, COMMERCE_GRANTS]


def _add_grants(sender, instance, **kwargs):
    # A copy: RoleFactory hands every role the same dict from accounts.roles.DEFAULT_ROLES.
    permissions = {
        module: list(actions) for module, actions in (instance.permissions or {}).items()
    }
    for grants in _GRANTS:
        for module, actions in grants.get(instance.name, {}).items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
    instance.permissions = permissions


@pytest.fixture(autouse=True)
def _default_roles_have_sales_grants():
    pre_save.connect(_add_grants, sender=Role, dispatch_uid="sales-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="sales-test-grants")
