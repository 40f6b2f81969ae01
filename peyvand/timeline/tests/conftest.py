import pytest

from peyvand.timeline import registry


@pytest.fixture
def kind_registry():
    """Lets a test register its own entry kinds without leaking them into other tests."""
    saved = dict(registry._KINDS)
    yield registry
    registry._KINDS.clear()
    registry._KINDS.update(saved)
