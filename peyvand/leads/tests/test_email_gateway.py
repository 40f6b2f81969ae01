"""Leads from e-mail: real RFC 822 files piped to the gateway command, and a real IMAP
conversation with a local server."""

import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peyvand.contacts import services as contacts
from peyvand.core.tests.imap_server import ImapServer, Mailbox
from peyvand.leads import history
from peyvand.leads.mailgateway import ImapSettings, fetch_mailbox, process_message
from peyvand.leads.models import Channel, Lead
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def eml(name: str) -> bytes:
    return (DATA / name).read_bytes()


def pipe(name: str, monkeypatch) -> str:
    """Run `manage.py receive_lead_email` with the file on standard input, as Postfix does."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(eml(name))))
    out = io.StringIO()
    call_command("receive_lead_email", stdout=out)
    return out.getvalue()


def test_a_persian_utf8_message_on_stdin_becomes_a_lead(monkeypatch):
    output = pipe("persian_utf8.eml", monkeypatch)
    lead = Lead.objects.get()
    assert output.startswith(f"lead lead={lead.pk}")
    assert (lead.first_name, lead.last_name) == ("سارا", "احمدی")
    assert lead.email == "sara.ahmadi@example.ir"
    assert lead.phone == "+989123456789"  # from the signature, Persian digits
    assert lead.channel == Channel.EMAIL
    assert lead.source_name == "درخواست مشاوره خرید"
    assert lead.source["message_id"] == "20250301101500.1234@mail.example.ir"
    assert "نرم\u200cافزار حسابداری" in lead.message
    assert lead.language == "fa"


def test_a_windows_1256_message_from_a_file_is_decoded():
    out = io.StringIO()
    call_command("receive_lead_email", "--file", str(DATA / "persian_windows1256.eml"), stdout=out)
    lead = Lead.objects.get()
    # Arabic yeh and kaf of the Windows code page are stored as Persian letters.
    assert (lead.first_name, lead.last_name) == ("کامران", "یزدانی")
    assert lead.source_name == "استعلام قیمت"
    assert "قیمت پکیج سازمانی را برای شرکت ما بفرستید." in lead.message


def test_an_html_only_message_is_read_as_text():
    result = process_message(eml("html_only.eml"))
    assert result.status == "lead"
    assert result.lead.phone == "+982188881234"
    assert "Please send your price list & a catalogue." in result.lead.message
    assert "<p>" not in result.lead.message


def test_the_same_message_delivered_twice_counts_once(monkeypatch):
    pipe("persian_utf8.eml", monkeypatch)
    output = pipe("persian_utf8.eml", monkeypatch)
    assert output.startswith("duplicate")
    assert Lead.objects.count() == 1
    assert TimelineEntry.objects.count() == 1


def test_a_reply_is_an_activity_on_the_existing_lead(monkeypatch):
    pipe("persian_utf8.eml", monkeypatch)
    output = pipe("reply_utf8.eml", monkeypatch)
    assert output.startswith("attached_lead")
    lead = Lead.objects.get()
    assert lead.email_replies == 1
    inquiry = history.entries_for(lead).get(kind="inquiry")
    assert "سه\u200cشنبه" in inquiry.body
    assert inquiry.subject == "Re: درخواست مشاوره خرید"


def test_a_message_from_a_contact_goes_on_their_timeline(admin_user):
    contact = contacts.create_contact(
        user=admin_user,
        data=contacts.ContactInput(last_name="یزدانی", emails=["kamran@yazdani-co.ir"]),
    )
    result = process_message(eml("persian_windows1256.eml"))
    assert result.status == "attached_contact"
    assert not Lead.objects.exists()
    assert TimelineEntry.objects.get(kind="inquiry").contact == contact


def test_auto_replies_are_ignored(monkeypatch):
    assert pipe("auto_reply.eml", monkeypatch).startswith("ignored")
    assert not Lead.objects.exists()


def test_garbage_is_not_a_lead_and_does_not_bounce(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\x00\x01 not an email at all")))
    out = io.StringIO()
    call_command("receive_lead_email", stdout=out)
    assert out.getvalue().startswith("ignored")
    assert not Lead.objects.exists()


def test_fetching_unread_messages_from_imap(settings):
    mailbox = Mailbox(user="leads@peyvand.example", password="s3cret")
    for name in ("persian_utf8.eml", "auto_reply.eml", "persian_windows1256.eml"):
        mailbox.add(eml(name))
    with ImapServer(mailbox) as (host, port):
        config = ImapSettings(host, port, mailbox.user, mailbox.password, ssl=False)
        counts = fetch_mailbox(config)
        assert counts == {"lead": 2, "ignored": 1}
        assert mailbox.seen == {1, 2, 3}
        # A message never fetched with plain FETCH: peeking keeps it unread until handled.
        assert any("BODY.PEEK[]" in c for c in mailbox.commands)
        mailbox.add(eml("reply_utf8.eml"))
        assert fetch_mailbox(config) == {"attached_lead": 1}
        assert fetch_mailbox(config) == {}
    assert Lead.objects.count() == 2
    assert Lead.objects.get(email="sara.ahmadi@example.ir").email_replies == 1


def test_the_fetch_command_reads_its_settings_from_the_environment(monkeypatch):
    mailbox = Mailbox(user="leads", password="pw")
    mailbox.add(eml("html_only.eml"))
    with ImapServer(mailbox) as (host, port):
        monkeypatch.setenv("LEADS_IMAP_HOST", host)
        monkeypatch.setenv("LEADS_IMAP_PORT", str(port))
        monkeypatch.setenv("LEADS_IMAP_USER", "leads")
        monkeypatch.setenv("LEADS_IMAP_PASSWORD", "pw")
        monkeypatch.setenv("LEADS_IMAP_SSL", "0")
        out = io.StringIO()
        call_command("fetch_lead_email", stdout=out)
        assert out.getvalue().strip() == "lead=1"
        monkeypatch.setenv("LEADS_IMAP_PASSWORD", "wrong")
        mailbox.add(eml("persian_utf8.eml"))
        with pytest.raises(CommandError):
            call_command("fetch_lead_email", stdout=io.StringIO())
    assert Lead.objects.count() == 1
