from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import pre_save

from peyvand.accounts.models import Role
from peyvand.imports import registry, services
from peyvand.imports.roles import IMPORT_GRANTS

from .targets import PeopleTarget

DATA = Path(__file__).parent / "data"


def _add_import_grants(sender, instance, **kwargs):
    grants = IMPORT_GRANTS.get(instance.name)
    if not grants:
        return
    permissions = {m: list(a) for m, a in (instance.permissions or {}).items()}
    for module, actions in grants.items():
        permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
    instance.permissions = permissions


@pytest.fixture(autouse=True)
def _default_roles_have_import_grants():
    """Factory-made roles get the grants migration 0002 gives the default roles."""
    pre_save.connect(_add_import_grants, sender=Role, dispatch_uid="imports-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="imports-test-grants")


@pytest.fixture
def people():
    target = registry.register_target(PeopleTarget())
    yield target
    registry.unregister_target(target.code)


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        content = (DATA / name).read_bytes()
    return SimpleUploadedFile(name, content)


def mapped_job(user, target, name, *, content=None, **options):
    job = services.create_job(user, upload(name, content), target=target.code)
    return services.set_mapping(job, user, target=target.code, mapping=job.mapping, options=options)


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Start a mapped job and let its (immediate) task run, as after the request commits."""

    def run(job, user, *, resume=False):
        with django_capture_on_commit_callbacks(execute=True):
            (services.resume if resume else services.start)(job, user)
        job.refresh_from_db()
        return job

    return run
