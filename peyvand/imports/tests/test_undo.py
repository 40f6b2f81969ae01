"""Undo removes what an import created and restores what it overwrote."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from peyvand.accounts.models import Notification
from peyvand.imports import registry, services
from peyvand.imports.models import ExternalReference, ImportStatus

from .conftest import mapped_job

User = get_user_model()


def test_undo_removes_created_and_restores_overwritten(admin_user, people, run_job):
    first = run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    content = "شناسه;نام;موبایل\nB-1;علیرضا;09121234567\nB-2;تازه;09121119999\n".encode()
    second = run_job(
        mapped_job(admin_user, people, "fix.csv", content=content, mode=registry.OVERWRITE),
        admin_user,
    )
    assert (second.created_count, second.updated_count) == (1, 1)

    services.undo(second, admin_user)
    second.refresh_from_db()
    assert second.status == ImportStatus.UNDONE
    assert User.objects.get(username="imp:+989121234567").first_name == "علی"
    assert not User.objects.filter(username="imp:+989121119999").exists()
    assert not ExternalReference.objects.filter(external_id="B-2").exists()
    assert ExternalReference.objects.filter(external_id="A-1").exists()  # first job's stay

    services.undo(first, admin_user)
    assert not User.objects.filter(username__startswith="imp:").exists()
    with pytest.raises(ValidationError):
        services.undo(first, admin_user)  # only once


def test_undo_is_refused_when_newer_records_depend_on_imported_ones(admin_user, people, run_job):
    job = run_job(mapped_job(admin_user, people, "windows_1256.csv"), admin_user)
    someone = User.objects.filter(username__startswith="imp:").first()
    Notification.objects.create(user=someone, text="hello")
    with pytest.raises(ValidationError) as exc:
        services.undo(job, admin_user)
    assert "notifications" in " ".join(exc.value.messages)
    assert User.objects.filter(username__startswith="imp:").count() == 3
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
