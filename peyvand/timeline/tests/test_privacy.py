"""Timeline entries in a customer's export and erasure: texts and call recordings go."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from django.core.files.base import ContentFile

from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    erase,
    find_in_database,
    find_in_media,
    make_person,
    personal_strings,
)
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.services import record_entry

from .factories import wav_bytes

pytestmark = pytest.mark.django_db

CALL_NOTE = "Zhubin asked about the Karaj branch"


def call_with_recording(contact, user) -> tuple[TimelineEntry, bytes]:
    entry = record_entry(
        kind="call", contact=contact, author=user, subject="Call Qaragozlou", body=CALL_NOTE
    )
    audio = wav_bytes(seconds=0.2)
    entry.recording.save("zhubin-call.wav", ContentFile(audio), save=False)
    entry.recording_name = "zhubin-call.wav"
    entry.save()
    return entry, audio


def test_export_includes_entries_and_recordings(admin_user):
    contact = make_person(admin_user)
    _, audio = call_with_recording(contact, admin_user)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    entries = json.loads(archive.read("customer.json"))["sections"]["timeline"]
    assert any(e["body"] == CALL_NOTE for e in entries)
    recordings = [n for n in archive.namelist() if n.startswith("files/timeline/")]
    assert [archive.read(n) for n in recordings] == [audio]


def test_erasure_blanks_entries_and_deletes_recordings(
    admin_user, django_capture_on_commit_callbacks
):
    contact = make_person(admin_user)
    entry, audio = call_with_recording(contact, admin_user)
    path = entry.recording.path
    with django_capture_on_commit_callbacks(execute=True):
        erase(contact, admin_user)

    strings = personal_strings(CALL_NOTE, "zhubin-call")
    assert find_in_database(strings) == []
    assert find_in_media(strings, contents={audio}) == []
    entry.refresh_from_db()
    # The call still counts (kind, time, author), without its text or recording.
    assert entry.kind == "call" and entry.author == admin_user
    assert entry.body == "" and not entry.recording
    assert not os.path.exists(path)


def test_recording_survives_a_failed_erasure(
    admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    contact = make_person(admin_user)
    entry, _ = call_with_recording(contact, admin_user)

    def broken(erasure):
        # The timeline eraser has run (it sorts first) and queued the file for deletion.
        assert erasure.files
        raise RuntimeError("mail server down")

    monkeypatch.setitem(privacy._ERASERS, "zz", privacy._Hook("zz", broken, 10_000))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        privacy.erase_customer(contact, user=admin_user, confirmation="ژوبین قراگوزلو")
    entry.refresh_from_db()
    assert entry.body == CALL_NOTE
    assert entry.recording.storage.exists(entry.recording.name)
