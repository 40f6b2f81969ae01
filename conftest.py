"""Fixtures shared by every app's tests."""

import pytest

from peyvand.accounts.models import ApiToken
from peyvand.accounts.tests.factories import RoleFactory, UserFactory

PASSWORD = "a-Str0ng-passphrase"


@pytest.fixture(autouse=True)
def _isolate(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Argon2 is deliberately slow; tests that check the production hasher set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def production_hashers(settings):
    """For tests about how passwords are stored: the project's real (argon2) hashers."""
    from peyvand import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=RoleFactory(name="Administrator"), is_superuser=False)


@pytest.fixture
def rep(db):
    return UserFactory(username="rep", role=RoleFactory(name="Sales representative"))


@pytest.fixture
def readonly_user(db):
    return UserFactory(username="viewer", role=RoleFactory(name="Read only"))


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="norole", role=None)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


class ApiClient:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, client, raw_token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_token}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path, data=None, **kw):
        return self.client.post(
            path, data, content_type="application/json", headers=self.headers, **kw
        )

    def put(self, path, data=None):
        return self.client.put(path, data, content_type="application/json", headers=self.headers)

    def patch(self, path, data=None):
        return self.client.patch(path, data, content_type="application/json", headers=self.headers)

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_for(client):
    def make(user):
        _, raw = ApiToken.issue(user, "test")
        return ApiClient(client, raw)

    return make


@pytest.fixture
def admin_api(api_for, admin_user):
    return api_for(admin_user)


@pytest.fixture
def rep_api(api_for, rep):
    return api_for(rep)
