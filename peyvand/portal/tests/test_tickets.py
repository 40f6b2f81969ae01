"""A signed-in customer sees, opens and answers only their own tickets, never internal notes,
reads only published public articles, and never reaches a staff page or the staff API."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory, MembershipFactory
from peyvand.knowledge import services as knowledge
from peyvand.knowledge.models import ArticleStatus, Visibility
from peyvand.portal.auth import SESSION_KEY
from peyvand.service import services as desk
from peyvand.service.models import MessageKind, Ticket, TicketChannel
from peyvand.service.tests.factories import agent

pytestmark = pytest.mark.django_db


def sign_in(client, contact):
    """What a successful code check leaves in the session (see test_sign_in for the flow)."""
    session = client.session
    session[SESSION_KEY] = contact.pk
    session.save()
    return client


def ticket_of(contact, subject="چاپگر کار نمی‌کند", **data):
    return desk.open_ticket(
        user=None,
        data={"subject": subject, "channel": TicketChannel.PHONE, "contact": contact, **data},
    )


@pytest.fixture
def alice():
    return ContactFactory(first_name="آلیس", last_name="احمدی")


@pytest.fixture
def bob():
    return ContactFactory(first_name="بابک", last_name="بهرامی")


@pytest.fixture
def portal(client, alice):
    return sign_in(client, alice)


def test_my_requests_lists_only_my_tickets(portal, alice, bob, django_assert_max_num_queries):
    mine = ticket_of(alice, "درخواست من")
    ticket_of(bob, "درخواست دیگری")
    with django_assert_max_num_queries(8):
        page = portal.get(reverse("portal:tickets")).content.decode()
    assert mine.reference in page
    assert "درخواست من" in page
    assert "درخواست دیگری" not in page


def test_another_customers_ticket_is_not_found(portal, bob):
    theirs = ticket_of(bob)
    assert portal.get(reverse("portal:ticket", args=[theirs.pk])).status_code == 404
    response = portal.post(reverse("portal:ticket", args=[theirs.pk]), {"body": "سلام"})
    assert response.status_code == 404
    assert not theirs.messages.exists()


def test_another_customers_attachment_is_not_found(portal, bob):
    pdf = SimpleUploadedFile("قرارداد.pdf", b"%PDF-1.4\n%%EOF\n")
    theirs = desk.open_ticket(
        user=None,
        data={"subject": "قرارداد", "channel": "email", "contact": bob},
        attachments=[pdf],
    )
    attachment = theirs.attachments.get()
    url = reverse("portal:attachment", args=[theirs.pk, attachment.pk])
    assert portal.get(url).status_code == 404


def test_internal_notes_are_never_shown(portal, alice):
    ticket = ticket_of(alice)
    staff = agent()
    desk.add_note(ticket, user=staff, body="یادداشت محرمانه: مشتری بدحساب است")
    desk.add_reply(ticket, user=staff, body="چاپگر را دوباره راه‌اندازی کنید.")
    page = portal.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "چاپگر را دوباره راه\u200cاندازی کنید." in page
    assert "محرمانه" not in page


def test_a_note_attachment_cannot_be_downloaded(portal, alice):
    ticket = ticket_of(alice)
    pdf = SimpleUploadedFile("داخلی.pdf", b"%PDF-1.4\n%%EOF\n")
    note = desk.add_note(ticket, user=agent(), body="فایل داخلی", attachments=[pdf])
    url = reverse("portal:attachment", args=[ticket.pk, note.attachments.get().pk])
    assert portal.get(url).status_code == 404


def test_the_customer_opens_a_ticket_in_the_portal(portal, alice):
    company = CompanyFactory(name="شرکت احمدی")
    MembershipFactory(contact=alice, company=company, is_primary=True)
    pdf = SimpleUploadedFile("خطا.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = portal.post(
        reverse("portal:new_ticket"),
        {"subject": "فاکتور چاپ نمی‌شود", "description": "از دیروز خطا می‌دهد.", "attachments": pdf},
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("portal:ticket", args=[ticket.pk])
    assert (ticket.contact, ticket.company, ticket.channel) == (alice, company, "portal")
    assert ticket.attachments.get().name == "خطا.pdf"
    page = portal.get(response["Location"]).content.decode()
    assert "خطا.pdf" in page
    attachment = ticket.attachments.get()
    download = portal.get(reverse("portal:attachment", args=[ticket.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%%EOF\n"


def test_a_new_ticket_needs_a_subject(portal):
    response = portal.post(reverse("portal:new_ticket"), {"subject": "", "description": "متن"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_customer_replies_in_the_portal(portal, alice):
    ticket = ticket_of(alice)
    response = portal.post(reverse("portal:ticket", args=[ticket.pk]), {"body": "هنوز مشکل دارم."})
    assert response.status_code == 302
    message = ticket.messages.get()
    assert (message.kind, message.author_contact, message.channel) == (
        MessageKind.CUSTOMER,
        alice,
        "portal",
    )


def test_company_tickets_are_shown_only_when_the_flag_allows(portal, alice, settings):
    company = CompanyFactory(name="شرکت مشترک")
    MembershipFactory(contact=alice, company=company)
    colleague = ContactFactory()
    MembershipFactory(contact=colleague, company=company)
    shared = ticket_of(colleague, "درخواست همکار", company=company)
    url = reverse("portal:ticket", args=[shared.pk])
    assert portal.get(url).status_code == 404
    settings.PORTAL_SHOW_COMPANY_TICKETS = True
    assert portal.get(url).status_code == 200
    assert "درخواست همکار" in portal.get(reverse("portal:tickets")).content.decode()


@pytest.mark.parametrize(
    "url",
    ["/", "/service/", "/contacts/", "/accounts/profile/", "/knowledge/"],
)
def test_a_portal_session_never_opens_staff_pages(portal, url):
    response = portal.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_portal_session_is_anonymous_to_the_staff_api(portal, alice):
    ticket_of(alice)
    assert portal.get("/api/v1/contacts").status_code == 401
    assert portal.get("/api/v1/service/tickets").status_code == 401


def test_staff_signed_in_elsewhere_are_not_customers(admin_client):
    assert admin_client.get(reverse("portal:tickets"))["Location"] == reverse("portal:login")


def test_signing_in_to_the_portal_drops_a_staff_session_of_the_same_browser(client, alice):
    client.force_login(UserFactory())
    alice.emails.create(address="alice@example.ir", is_primary=True)
    client.post(reverse("portal:login"), {"identifier": "alice@example.ir"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    client.post(reverse("portal:verify"), {"code": code})
    assert client.session[SESSION_KEY] == alice.pk
    assert "_auth_user_id" not in client.session
    assert client.get("/contacts/").status_code == 302


def article(title, *, status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC):
    return knowledge.save_article(
        None,
        user=agent(),
        title=title,
        body=f"# {title}\n\nبرای **تنظیم چاپگر** این مراحل را دنبال کنید.",
        language="fa",
        status=status,
        visibility=visibility,
    )


def test_the_customer_searches_and_reads_public_articles_only(portal):
    public = article("تنظیم چاپگر فاکتور")
    internal = article("تنظیم چاپگر برای همکاران", visibility=Visibility.INTERNAL)
    draft = article("تنظیم چاپگر پیش‌نویس", status=ArticleStatus.DRAFT)
    page = portal.get(reverse("portal:articles"), {"q": "چاپگر"}).content.decode()
    assert public.title in page
    assert internal.title not in page
    assert draft.title not in page
    body = portal.get(reverse("portal:article", args=[public.pk])).content.decode()
    assert "<strong>تنظیم چاپگر</strong>" in body
    assert portal.get(reverse("portal:article", args=[internal.pk])).status_code == 404
    assert portal.get(reverse("portal:article", args=[draft.pk])).status_code == 404


def test_the_knowledge_base_needs_a_portal_session(client):
    public = article("راهنمای ورود")
    response = client.get(reverse("portal:article", args=[public.pk]))
    assert response["Location"] == reverse("portal:login")


def test_a_customer_rates_an_article_once(portal):
    public = article("بازیابی رمز عبور")
    url = reverse("portal:article_feedback", args=[public.pk])
    portal.post(url, {"helpful": "1"})
    portal.post(url, {"helpful": "0"})
    public.refresh_from_db()
    assert (public.helpful_count, public.not_helpful_count) == (1, 0)
    internal = article("داخلی", visibility=Visibility.INTERNAL)
    assert portal.post(reverse("portal:article_feedback", args=[internal.pk])).status_code == 404
