import datetime as dt

import jdatetime
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.panels import panels_for
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.views import panel_context

from .factories import CompanyFactory, ContactFactory, TimelineEntryFactory, wav_bytes, wav_upload

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def contact(rep):
    return ContactFactory(owner=rep)


def add_url(contact, kind):
    return reverse("timeline:add", args=["contact", contact.pk, kind])


def test_the_panel_is_registered_for_the_360_page(rep, no_role_user):
    panel = next(p for p in panels_for("contact", rep) if p.key == "timeline")
    assert (panel.column, panel.order) == ("main", 10)
    assert "timeline" in {p.key for p in panels_for("company", rep)}
    assert "timeline" not in {p.key for p in panels_for("contact", no_role_user)}


def test_panel_context_renders_with_the_panel_template(rf, rep, contact):
    from django.template.loader import render_to_string

    TimelineEntryFactory(contact=contact, body="اولین یادداشت")
    request = rf.get("/")
    request.user = rep
    html = render_to_string("timeline/panel.html", panel_context(request, contact), request=request)
    assert "اولین یادداشت" in html
    assert add_url(contact, "note") in html


def test_adding_a_note_swaps_the_panel_with_the_new_entry(rep_client, contact):
    response = rep_client.post(
        add_url(contact, "note"), {"note-body": "قرار شد پیش‌فاکتور بفرستیم"}, headers=HTMX
    )
    assert response.status_code == 200
    entry = TimelineEntry.objects.get(contact=contact)
    assert entry.kind == "note" and entry.body == "قرار شد پیش‌فاکتور بفرستیم"
    html = response.content.decode()
    assert 'id="timeline-panel"' in html and "قرار شد پیش‌فاکتور بفرستیم" in html
    assert "<html" not in html


def test_without_htmx_the_form_redirects_to_the_record(rep_client, contact):
    response = rep_client.post(add_url(contact, "note"), {"note-body": "یادداشت"})
    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()


def test_an_empty_note_is_answered_422_with_the_error_in_persian(rep_client, contact):
    response = rep_client.post(add_url(contact, "note"), {"note-body": "  "}, headers=HTMX)
    assert response.status_code == 422
    assert "این فیلد لازم است" in response.content.decode()
    assert not TimelineEntry.objects.exists()


def test_errors_follow_the_users_language(rep_client, rep, contact):
    rep.language = "en"
    rep.save()
    response = rep_client.post(
        add_url(contact, "call"),
        {"call-direction": "outbound", "call-outcome": "answered", "call-duration_seconds": "abc"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter minutes:seconds, such as 4:30." in response.content.decode()


def test_logging_a_call_with_a_recording_by_multipart_htmx(rep_client, contact):
    response = rep_client.post(
        add_url(contact, "call"),
        {
            "call-direction": "inbound",
            "call-duration_seconds": "۴:۳۰",
            "call-outcome": "callback_requested",
            "call-body": "خواست فردا تماس بگیریم",
            "call-recording": wav_upload("تماس.wav"),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    entry = TimelineEntry.objects.get(contact=contact)
    assert (entry.direction, entry.duration_seconds, entry.outcome) == (
        "inbound",
        270,
        "callback_requested",
    )
    assert entry.recording_name == "تماس.wav"
    html = response.content.decode()
    assert (
        f'<audio controls preload="none" src="{reverse("timeline:recording", args=[entry.pk])}"'
        in html
    )
    assert "۴:۳۰" in html
    assert "درخواست تماس مجدد" in html


def test_a_fake_recording_is_rejected_next_to_its_field(rep_client, contact):
    fake = SimpleUploadedFile("voice.mp3", b"<script>alert(1)</script>", content_type="audio/mpeg")
    response = rep_client.post(
        add_url(contact, "call"),
        {"call-direction": "inbound", "call-outcome": "answered", "call-recording": fake},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "فایل صوتی" in response.content.decode()
    assert not TimelineEntry.objects.exists()


def test_the_time_accepts_jalali_dates(rep_client, contact):
    rep_client.post(
        add_url(contact, "sms"),
        {"sms-direction": "outbound", "sms-body": "سلام", "sms-occurred_at": "۱۴۰۳/۰۵/۱۲ ۱۴:۳۰"},
        headers=HTMX,
    )
    entry = TimelineEntry.objects.get(contact=contact)
    expected = jdatetime.datetime(1403, 5, 12, 14, 30).togregorian()
    assert timezone.localtime(entry.occurred_at).replace(tzinfo=None) == expected
    contact.refresh_from_db()
    assert contact.last_contacted_at == entry.occurred_at


def test_the_time_defaults_to_now(rep_client, contact):
    before = timezone.now()
    rep_client.post(
        add_url(contact, "note"), {"note-body": "x", "note-occurred_at": ""}, headers=HTMX
    )
    assert TimelineEntry.objects.get().occurred_at >= before


def test_email_and_meeting_forms(rep_client, contact):
    rep_client.post(
        add_url(contact, "email"),
        {"email-direction": "outbound", "email-subject": "پیش‌فاکتور", "email-body": "متن"},
        headers=HTMX,
    )
    rep_client.post(
        add_url(contact, "meeting"),
        {"meeting-subject": "دمو", "meeting-duration_seconds": "45", "meeting-location": "دفتر"},
        headers=HTMX,
    )
    email, meeting = TimelineEntry.objects.order_by("id")
    assert (email.kind, email.subject, email.direction) == ("email", "پیش‌فاکتور", "outbound")
    assert (meeting.kind, meeting.duration_seconds, meeting.data) == (
        "meeting",
        45 * 60,
        {"location": "دفتر"},
    )


def test_the_composer_switches_tabs(rep_client, contact):
    response = rep_client.get(
        reverse("timeline:composer", args=["contact", contact.pk]), {"tab": "call"}, headers=HTMX
    )
    html = response.content.decode()
    assert add_url(contact, "call") in html and 'name="call-outcome"' in html


def test_more_loads_the_next_page_of_entries(rep_client, contact):
    start = timezone.now() - dt.timedelta(days=1)
    for i in range(35):
        TimelineEntryFactory(
            contact=contact, occurred_at=start + dt.timedelta(minutes=i), body=f"e{i}"
        )
    html = rep_client.get(
        reverse("timeline:panel", args=["contact", contact.pk]), headers=HTMX
    ).content.decode()
    assert html.count('class="timeline-entry"') == 30
    assert "e34" in html and "e4<" not in html
    more = reverse("timeline:entries", args=["contact", contact.pk])
    assert more in html
    cursor = html.split(more + "?cursor=")[1].split('"')[0]
    rest = rep_client.get(more, {"cursor": cursor}, headers=HTMX).content.decode()
    assert rest.count('class="timeline-entry"') == 5
    assert "timeline-more" not in rest


def test_a_broken_cursor_is_a_400(rep_client, contact):
    url = reverse("timeline:entries", args=["contact", contact.pk])
    assert rep_client.get(url, {"cursor": "@@"}, headers=HTMX).status_code == 400


def test_the_panel_filters_by_kind(rep_client, contact):
    TimelineEntryFactory(contact=contact, kind="call", outcome="busy")
    TimelineEntryFactory(contact=contact, kind="note", body="فقط یادداشت")
    url = reverse("timeline:panel", args=["contact", contact.pk])
    html = rep_client.get(url, {"kind": "call"}, headers=HTMX).content.decode()
    assert html.count('class="timeline-entry"') == 1 and "فقط یادداشت" not in html


def test_read_only_users_see_no_forms_and_cannot_post(client, readonly_user, contact):
    client.force_login(readonly_user)
    html = client.get(
        reverse("timeline:panel", args=["contact", contact.pk]), headers=HTMX
    ).content.decode()
    assert "timeline-composer" not in html
    assert (
        client.post(add_url(contact, "note"), {"note-body": "x"}, headers=HTMX).status_code == 403
    )


def test_a_contact_the_user_cannot_see_is_404(client, contact):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    client.force_login(UserFactory(username="stranger"))
    assert (
        client.post(add_url(contact, "note"), {"note-body": "x"}, headers=HTMX).status_code == 404
    )


def test_deleting_needs_the_delete_permission(rep, admin_user, contact):
    entry = TimelineEntryFactory(contact=contact)
    url = reverse("timeline:delete", args=[entry.pk])
    as_rep, as_admin = Client(), Client()
    as_rep.force_login(rep)
    as_admin.force_login(admin_user)
    assert as_rep.post(url, headers=HTMX).status_code == 403
    response = as_admin.post(url, headers=HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not TimelineEntry.objects.exists()


def test_the_panel_is_a_bounded_number_of_queries(
    rep_client, rep, contact, django_assert_max_num_queries
):
    for _ in range(30):
        TimelineEntryFactory(
            contact=contact, author=rep, kind="call", outcome="answered", direction="inbound"
        )
    url = reverse("timeline:panel", args=["contact", contact.pk])
    rep_client.get(url, headers=HTMX)
    with django_assert_max_num_queries(8):
        assert rep_client.get(url, headers=HTMX).status_code == 200


def test_call_audio_plays_back_what_was_uploaded(rep_client, contact):
    rep_client.post(
        add_url(contact, "call"),
        {"call-direction": "inbound", "call-outcome": "answered", "call-recording": wav_upload()},
        headers=HTMX,
    )
    entry = TimelineEntry.objects.get()
    response = rep_client.get(reverse("timeline:recording", args=[entry.pk]))
    assert b"".join(response.streaming_content) == wav_bytes()


def test_the_contact_and_company_pages_show_the_timeline_panel(rep_client, contact):
    TimelineEntryFactory(contact=contact, body="روی صفحهٔ مخاطب")
    html = rep_client.get(contact.get_absolute_url()).content.decode()
    assert 'id="timeline-panel"' in html and "روی صفحهٔ مخاطب" in html
    company = CompanyFactory()
    html = rep_client.get(company.get_absolute_url()).content.decode()
    assert 'id="timeline-panel"' in html
    assert reverse("timeline:add", args=["company", company.pk, "note"]) in html
