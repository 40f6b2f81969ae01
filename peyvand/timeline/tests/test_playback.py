import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.timeline import services

from .factories import ContactFactory, wav_bytes, wav_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(rep):
    return services.log_call(
        contact=ContactFactory(owner=rep),
        author=rep,
        direction="inbound",
        duration_seconds=12,
        outcome="answered",
        recording=wav_upload("recording-1.wav"),
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_playback_streams_the_file_with_safe_headers(rep_client, call):
    response = rep_client.get(reverse("timeline:recording", args=[call.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'inline; filename="recording-1.wav"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == wav_bytes()


def test_a_persian_file_name_gets_an_ascii_fallback(rep_client, rep):
    entry = services.log_call(
        contact=ContactFactory(owner=rep),
        author=rep,
        direction="inbound",
        duration_seconds=1,
        outcome="answered",
        recording=SimpleUploadedFile('تماس "ویژه".wav', wav_bytes()),
    )
    response = rep_client.get(reverse("timeline:recording", args=[entry.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith(
        f"inline; filename=\"recording-{entry.pk}.wav\"; filename*=UTF-8''"
    )
    assert "%D8%AA%D9%85%D8%A7%D8%B3" in disposition
    assert '"ویژه"' not in disposition


def test_a_range_request_gets_partial_content(rep_client, call):
    response = rep_client.get(
        reverse("timeline:recording", args=[call.pk]), headers={"Range": "bytes=4-11"}
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 4-11/{len(wav_bytes())}"
    assert response["Content-Length"] == "8"
    assert _body(response) == wav_bytes()[4:12]


def test_an_unsatisfiable_range_is_answered_416(rep_client, call):
    response = rep_client.get(
        reverse("timeline:recording", args=[call.pk]), headers={"Range": "bytes=999999-"}
    )
    assert response.status_code == 416


def test_a_reversed_range_is_ignored_and_the_whole_file_sent(rep_client, call):
    response = rep_client.get(
        reverse("timeline:recording", args=[call.pk]), headers={"Range": "bytes=11-4"}
    )
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(wav_bytes()))
    assert _body(response) == wav_bytes()


def test_a_file_that_is_not_audio_is_refused_whatever_its_name(rep):
    from django.core.exceptions import ValidationError

    html = SimpleUploadedFile("call.mp3", b"<html><script>alert(1)</script>", "audio/mpeg")
    with pytest.raises(ValidationError) as error:
        services.log_call(
            contact=ContactFactory(owner=rep),
            author=rep,
            direction="inbound",
            duration_seconds=1,
            outcome="answered",
            recording=html,
        )
    assert "recording" in error.value.message_dict


def test_recordings_are_stored_under_random_names_outside_the_static_root(call, settings):
    from pathlib import Path

    stored = Path(settings.MEDIA_ROOT) / call.recording.name
    assert stored.is_file()
    assert "recording-1" not in call.recording.name
    assert call.recording.name.endswith(".wav")
    assert Path(settings.STATIC_ROOT).resolve() not in stored.resolve().parents


def test_recordings_over_the_size_limit_are_refused(rep, settings):
    from django.core.exceptions import ValidationError

    settings.RECORDING_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        services.log_call(
            contact=ContactFactory(owner=rep),
            author=rep,
            direction="inbound",
            duration_seconds=1,
            outcome="answered",
            recording=wav_upload("big.wav"),
        )
    assert "recording" in error.value.message_dict


def test_someone_who_cannot_see_the_contact_gets_404(client, call):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    client.force_login(UserFactory(username="outsider"))
    assert client.get(reverse("timeline:recording", args=[call.pk])).status_code == 404


def test_someone_without_timeline_permission_gets_403(client, no_role_user, call):
    client.force_login(no_role_user)
    assert client.get(reverse("timeline:recording", args=[call.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, call):
    response = client.get(reverse("timeline:recording", args=[call.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_entry_without_recording_is_404(rep_client, rep):
    entry = services.add_note(contact=ContactFactory(owner=rep), author=rep, body="x")
    assert rep_client.get(reverse("timeline:recording", args=[entry.pk])).status_code == 404
