"""A full disk while a call recording is uploaded: a clear translated error, no timeline entry
without its file and no half-written file (peyvand.core.uploads)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from peyvand.timeline.models import TimelineEntry

from .factories import ContactFactory, wav_upload

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


class FullDiskStorage(FileSystemStorage):
    """Writes a few bytes, then the disk is full, as FileSystemStorage would leave it."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(b"RIFF partial")
        raise OSError(errno.ENOSPC, "No space left on device", path)


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_page_full_disk_logs_nothing_and_says_why(rep_client, rep, full_disk, settings):
    contact = ContactFactory(owner=rep)
    response = rep_client.post(
        reverse("timeline:add", args=["contact", contact.pk, "call"]),
        {
            "call-direction": "inbound",
            "call-outcome": "answered",
            "call-recording": wav_upload("تماس.wav"),
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "فضای ذخیره‌سازی" in response.content.decode()
    assert not TimelineEntry.objects.exists()
    assert _files(settings) == []


def test_api_full_disk_answers_422_and_keeps_the_call_without_a_dangling_file(
    admin_api, full_disk, settings
):
    contact = ContactFactory()
    created = admin_api.post(
        "/api/v1/interactions",
        {"kind": "call", "contact_id": contact.pk, "direction": "inbound", "outcome": "answered"},
    )
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    response = admin_api.client.post(
        f"/api/v1/interactions/{entry_id}/recording",
        {"file": wav_upload("a.wav")},
        headers=admin_api.headers,
    )
    assert response.status_code == 422
    assert "recording" in response.json()["errors"]
    entry = TimelineEntry.objects.get(pk=entry_id)
    assert not entry.recording and entry.recording_name == ""
    assert _files(settings) == []


def test_after_the_disk_is_freed_the_same_upload_works(rep, full_disk, settings):
    from peyvand.timeline import services

    contact = ContactFactory(owner=rep)
    kwargs = dict(contact=contact, author=rep, direction="inbound", duration_seconds=5)
    with pytest.raises(Exception) as error:
        services.log_call(**kwargs, outcome="answered", recording=wav_upload("a.wav"))
    assert "recording" in error.value.message_dict
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    entry = services.log_call(**kwargs, outcome="answered", recording=wav_upload("a.wav"))
    assert entry.recording and _files(settings) == [
        Path(settings.MEDIA_ROOT) / entry.recording.name
    ]
