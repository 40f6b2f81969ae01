import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.timeline.models import TimelineEntry

from .factories import CompanyFactory, ContactFactory, TimelineEntryFactory, wav_bytes, wav_upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/interactions"


@pytest.fixture
def contact(rep):
    return ContactFactory(owner=rep)


def test_list_a_contacts_timeline_newest_first_with_a_cursor(rep_api, contact):
    now = timezone.now()
    entries = [
        TimelineEntryFactory(contact=contact, occurred_at=now - dt.timedelta(hours=i))
        for i in range(3)
    ]
    TimelineEntryFactory(contact=ContactFactory())
    first = rep_api.get(URL, {"contact_id": contact.pk, "limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [entries[0].pk, entries[1].pk]
    rest = rep_api.get(
        URL, {"contact_id": contact.pk, "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [i["id"] for i in rest["items"]] == [entries[2].pk]
    assert rest["next_cursor"] is None


def test_list_filters_by_kinds(rep_api, contact):
    call = TimelineEntryFactory(contact=contact, kind="call", outcome="busy")
    email = TimelineEntryFactory(contact=contact, kind="email")
    TimelineEntryFactory(contact=contact, kind="note")
    items = rep_api.get(URL, {"contact_id": contact.pk, "kind": "call,email"}).json()["items"]
    assert {i["id"] for i in items} == {call.pk, email.pk}
    assert {i["kind_label"] for i in items} == {"تماس تلفنی", "ایمیل"}


def test_list_bad_input(rep_api, contact):
    assert rep_api.get(URL, {"contact_id": 999999}).status_code == 404
    assert rep_api.get(URL, {"contact_id": "abc"}).status_code == 422
    response = rep_api.get(URL, {"kind": "telepathy"})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert rep_api.get(URL, {"cursor": "garbage!"}).status_code == 400


def test_create_a_call(rep_api, rep, contact):
    response = rep_api.post(
        URL,
        {
            "kind": "call",
            "contact_id": contact.pk,
            "direction": "outbound",
            "duration_seconds": 125,
            "outcome": "answered",
            "body": "قيمت را پرسيد",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "call" and body["body"] == "قیمت را پرسید"
    assert body["author"] == {"id": rep.pk, "name": str(rep)}
    assert body["has_recording"] is False and body["recording_url"] is None
    contact.refresh_from_db()
    assert contact.last_contacted_at is not None


def test_create_a_meeting_for_a_company(rep_api):
    company = CompanyFactory()
    response = rep_api.post(
        URL, {"kind": "meeting", "company_id": company.pk, "subject": "دمو", "location": "آنلاین"}
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"location": "آنلاین"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "note", "contact_id": 999999, "body": "x"}, "contact_id"),
        ({"kind": "note", "contact_id": "abc", "body": "x"}, "contact_id"),
        ({"kind": "note", "body": "x"}, "__all__"),
        ({"contact_id": 1, "body": "x"}, "kind"),
        ({"kind": "stage_change", "contact_id": 1}, "kind"),
        ({"kind": "call", "contact_id": 1, "direction": "outbound"}, "outcome"),
        ({"kind": "call", "contact_id": 1, "direction": "out", "outcome": "answered"}, "direction"),
        ({"kind": "note", "contact_id": 1, "body": "  "}, "body"),
        ({"kind": "note", "contact_id": 1, "body": "x", "colour": "red"}, "colour"),
        ({"kind": "email", "contact_id": 1, "direction": "inbound"}, "subject"),
        (
            {
                "kind": "call",
                "contact_id": 1,
                "direction": "inbound",
                "outcome": "busy",
                "duration_seconds": -5,
            },
            "duration_seconds",
        ),
    ],
)
def test_create_bad_input_is_422_with_field_errors(rep_api, rep, payload, field):
    ContactFactory(pk=1, owner=rep)
    response = rep_api.post(URL, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not TimelineEntry.objects.exists()


def test_a_contact_the_user_cannot_see_is_unknown(api_for, contact):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    api = api_for(UserFactory(username="stranger"))
    response = api.post(URL, {"kind": "note", "contact_id": contact.pk, "body": "x"})
    assert response.status_code == 422 and "contact_id" in response.json()["errors"]


def test_get_and_visibility(rep_api, api_for, contact):
    entry = TimelineEntryFactory(contact=contact)
    assert rep_api.get(f"{URL}/{entry.pk}").json()["id"] == entry.pk
    set_module_sharing(CONTACTS, SHARE_TEAM)
    assert api_for(UserFactory(username="stranger")).get(f"{URL}/{entry.pk}").status_code == 404
    assert rep_api.get(f"{URL}/999999").status_code == 404


def test_permissions(api_for, readonly_user, no_role_user, contact):
    readonly = api_for(readonly_user)
    assert readonly.get(URL).status_code == 200
    assert (
        readonly.post(URL, {"kind": "note", "contact_id": contact.pk, "body": "x"}).status_code
        == 403
    )
    assert api_for(no_role_user).get(URL).status_code == 403


def test_delete_needs_the_delete_permission(rep_api, admin_api, contact):
    entry = TimelineEntryFactory(contact=contact)
    assert rep_api.delete(f"{URL}/{entry.pk}").status_code == 403
    assert admin_api.delete(f"{URL}/{entry.pk}").status_code == 204
    assert not TimelineEntry.objects.exists()


def test_upload_and_play_a_recording(client, rep_api, contact):
    created = rep_api.post(
        URL,
        {"kind": "call", "contact_id": contact.pk, "direction": "inbound", "outcome": "answered"},
    ).json()
    upload = client.post(
        f"{URL}/{created['id']}/recording", {"file": wav_upload("ضبط.wav")}, headers=rep_api.headers
    )
    assert upload.status_code == 200, upload.content
    body = upload.json()
    assert body["has_recording"] and body["recording_name"] == "ضبط.wav"
    assert body["recording_url"] == f"{URL}/{created['id']}/recording"
    played = rep_api.get(body["recording_url"])
    assert played["Content-Type"] == "audio/wav"
    assert b"".join(played.streaming_content) == wav_bytes()


def test_upload_rejects_what_is_not_audio(client, rep_api, contact):
    call = TimelineEntryFactory(
        contact=contact, kind="call", outcome="answered", direction="inbound"
    )
    fake = SimpleUploadedFile("a.mp3", b"MZ\x90\x00 not audio at all", content_type="audio/mpeg")
    response = client.post(f"{URL}/{call.pk}/recording", {"file": fake}, headers=rep_api.headers)
    assert response.status_code == 422 and "recording" in response.json()["errors"]
    missing = client.post(f"{URL}/{call.pk}/recording", {}, headers=rep_api.headers)
    assert missing.status_code == 422


def test_only_calls_take_recordings(client, rep_api, contact):
    note = TimelineEntryFactory(contact=contact)
    response = client.post(
        f"{URL}/{note.pk}/recording", {"file": wav_upload()}, headers=rep_api.headers
    )
    assert response.status_code == 422


def test_a_call_without_recording_has_none_to_play(rep_api, contact):
    call = TimelineEntryFactory(
        contact=contact, kind="call", outcome="answered", direction="inbound"
    )
    assert rep_api.get(f"{URL}/{call.pk}/recording").status_code == 404
