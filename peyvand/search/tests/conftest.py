import pytest
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.permissions import CONTACTS
from peyvand.search import registry


@pytest.fixture(autouse=True)
def search_kinds():
    """Only contact and company are searchable (as the contacts app registers them), whatever
    other apps are installed; the registry is restored afterwards, so tests may register kinds
    of their own."""
    kinds, indexers = dict(registry._KINDS), dict(registry._INDEXERS)
    registry._KINDS.clear()
    registry._INDEXERS.clear()
    registry.register_kind("contact", module=CONTACTS, label=_("Contact"))
    registry.register_kind("company", module=CONTACTS, label=_("Company"))
    yield
    registry._KINDS.clear()
    registry._KINDS.update(kinds)
    registry._INDEXERS.clear()
    registry._INDEXERS.update(indexers)
