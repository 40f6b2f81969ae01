from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peyvand.timeline import services
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.recordings import detect_audio_type

from .factories import ContactFactory, TimelineEntryFactory, wav_bytes, wav_upload

pytestmark = pytest.mark.django_db


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_real_wav_recording_is_stored_under_a_random_name(rep, settings):
    entry = services.log_call(
        contact=ContactFactory(),
        author=rep,
        direction="inbound",
        duration_seconds=95,
        outcome="answered",
        body="درباره قیمت پرسید",
        recording=wav_upload("تماس مشتری.wav"),
    )
    entry.refresh_from_db()
    assert entry.recording_content_type == "audio/wav"
    assert entry.recording_name == "تماس مشتری.wav"
    stored = Path(entry.recording.name)
    assert stored.parts[0] == "recordings"
    assert stored.suffix == ".wav"
    assert "تماس" not in stored.name and len(stored.stem) == 32
    assert entry.recording.read() == wav_bytes()
    assert _files(settings) == [Path(settings.MEDIA_ROOT) / entry.recording.name]


def test_the_extension_comes_from_the_content_not_the_name(rep):
    upload = SimpleUploadedFile("voice.html", wav_bytes(), content_type="text/html")
    entry = services.log_call(
        contact=ContactFactory(),
        author=rep,
        direction="outbound",
        duration_seconds=10,
        outcome="answered",
        recording=upload,
    )
    assert entry.recording.name.endswith(".wav")
    assert entry.recording_content_type == "audio/wav"


def test_a_text_file_named_mp3_is_rejected_and_nothing_is_written(rep, settings):
    fake = SimpleUploadedFile("song.mp3", b"just some text, not audio", content_type="audio/mpeg")
    with pytest.raises(ValidationError) as error:
        services.log_call(
            contact=ContactFactory(),
            author=rep,
            direction="outbound",
            duration_seconds=10,
            outcome="answered",
            recording=fake,
        )
    assert "recording" in error.value.message_dict
    assert not TimelineEntry.objects.exists()
    assert _files(settings) == []


def test_a_recording_over_the_size_limit_is_rejected(rep, settings):
    settings.RECORDING_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        services.log_call(
            contact=ContactFactory(),
            author=rep,
            direction="outbound",
            duration_seconds=10,
            outcome="answered",
            recording=wav_upload(),
        )
    assert "recording" in error.value.message_dict


def test_the_uploaded_name_loses_any_directory_part(rep):
    upload = SimpleUploadedFile("..\\..\\etc/../پوشه/ضبط.wav", wav_bytes())
    entry = services.log_call(
        contact=ContactFactory(),
        author=rep,
        direction="outbound",
        duration_seconds=10,
        outcome="answered",
        recording=upload,
    )
    assert entry.recording_name == "ضبط.wav"


def test_call_fields_are_validated_together(rep):
    with pytest.raises(ValidationError) as error:
        services.log_call(
            contact=ContactFactory(),
            author=rep,
            direction="up",
            duration_seconds=-1,
            outcome="exploded",
            occurred_at=timezone.now() + timedelta(days=1),
        )
    assert set(error.value.message_dict) == {
        "direction",
        "outcome",
        "duration_seconds",
        "occurred_at",
    }


def test_a_failed_database_write_removes_the_stored_file(rep, settings, monkeypatch):
    def explode(entry):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_save", explode)
    with pytest.raises(RuntimeError):
        services.log_call(
            contact=ContactFactory(),
            author=rep,
            direction="outbound",
            duration_seconds=1,
            outcome="answered",
            recording=wav_upload(),
        )
    assert _files(settings) == []


def test_attaching_a_recording_replaces_the_old_file(
    rep, settings, django_capture_on_commit_callbacks
):
    entry = services.log_call(
        contact=ContactFactory(),
        author=rep,
        direction="outbound",
        duration_seconds=1,
        outcome="answered",
        recording=wav_upload(),
    )
    old = entry.recording.name
    with django_capture_on_commit_callbacks(execute=True):
        services.attach_recording(entry, wav_upload("second.wav"))
    assert entry.recording.name != old
    assert _files(settings) == [Path(settings.MEDIA_ROOT) / entry.recording.name]


def test_only_calls_have_recordings():
    with pytest.raises(ValidationError):
        services.attach_recording(TimelineEntryFactory(kind="note"), wav_upload())


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"ID3\x04\x00" + b"\x00" * 11, "audio/mpeg"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 12, "audio/mpeg"),
        (b"\xff\xf3\x90\x00" + b"\x00" * 12, "audio/mpeg"),
        (b"\xff\xf2\x90\x00" + b"\x00" * 12, "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02" + b"\x00" * 10, "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 4, "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + b"\x00" * 8, "audio/webm"),
    ],
)
def test_audio_types_are_recognised_by_their_first_bytes(head, content_type):
    assert detect_audio_type(head).content_type == content_type


@pytest.mark.parametrize(
    "head",
    [b"", b"<html><body>", b"RIFF\x24\x00\x00\x00AVI LIST", b"%PDF-1.7", b"\x89PNG\r\n\x1a\n"],
)
def test_other_content_is_not_audio(head):
    assert detect_audio_type(head) is None
