"""Opening tickets from every channel, the conversation, status, assignment, merge/link/split,
attachments and the customer's timeline."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from peyvand.service import services, signals
from peyvand.service.models import (
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from peyvand.timeline.models import TimelineEntry

from .factories import (
    ContactFactory,
    MembershipFactory,
    PhoneFactory,
    TeamFactory,
    agent,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def open_(user=None, **data) -> Ticket:
    data.setdefault("subject", "اینترنت قطع است")
    data.setdefault("channel", "phone")
    return services.open_ticket(user=user, data=data)


@pytest.fixture
def capture():
    """Signals sent during the test: [(signal name, kwargs)]."""
    seen = []
    names = {
        "ticket_opened": signals.ticket_opened,
        "ticket_status_changed": signals.ticket_status_changed,
        "message_added": signals.message_added,
        "tickets_merged": signals.tickets_merged,
        "ticket_changed": signals.ticket_changed,
    }
    receivers = {}
    for name, signal in names.items():

        def receiver(sender, _name=name, **kwargs):
            seen.append((_name, kwargs))

        receivers[name] = receiver
        signal.connect(receiver)
    yield seen
    for name, signal in names.items():
        signal.disconnect(receivers[name])


# --- Opening -------------------------------------------------------------------------------


def test_a_ticket_gets_a_reference_and_starts_new_in_l1(capture):
    user = agent()
    ticket = open_(user, priority="high", tags=["شبکه", "قطعی"])
    assert ticket.number == ticket.pk
    assert ticket.reference == f"T-{ticket.pk:06d}"
    assert (ticket.status, ticket.priority, ticket.tier.code) == ("new", "high", "L1")
    assert ticket.created_by == user
    assert sorted(t.name for t in ticket.tags.all()) == ["شبکه", "قطعی"]
    assert capture[0] == (
        "ticket_opened",
        {"ticket": ticket, "user": user, "signal": signals.ticket_opened},
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"channel": "fax"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"priority": "critical"}, "priority"),
        ({"contact": 999999}, "contact"),
        ({"contact": "abc"}, "contact"),
        ({"category": 999999}, "category"),
        ({"product": 999999}, "product"),
        ({"requester_email": "not-an-email"}, "requester_email"),
        ({"requester_phone": "12"}, "requester_phone"),
        ({"assignee": 999999}, "assignee"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(data, field):
    with pytest.raises(ValidationError) as exc:
        open_(**data)
    assert field in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_an_agent_without_ticket_rights_cannot_be_the_assignee():
    from .factories import UserFactory

    with pytest.raises(ValidationError) as exc:
        open_(assignee=UserFactory(role=None))
    assert "assignee" in exc.value.message_dict


def test_the_requester_phone_finds_the_contact_and_their_company():
    contact = ContactFactory()
    PhoneFactory(contact=contact, number="+989121234567")
    membership = MembershipFactory(contact=contact, is_primary=True)
    ticket = open_(requester_phone="0912 123 4567")
    assert ticket.requester_phone == "+989121234567"
    assert (ticket.contact, ticket.company) == (contact, membership.company)


def test_an_ambiguous_requester_is_not_guessed():
    for contact in (ContactFactory(), ContactFactory()):
        PhoneFactory(contact=contact, number="+989121234567")
    assert open_(requester_phone="09121234567").contact is None


def test_opening_puts_the_ticket_on_the_customers_timeline():
    contact = ContactFactory()
    ticket = open_(contact=contact, description="از صبح قطع است")
    entry = TimelineEntry.objects.get(contact=contact, kind="ticket_opened")
    assert entry.source == ticket
    assert ticket.reference in entry.subject
    assert entry.body == "از صبح قطع است"


def test_an_unknown_requester_gets_no_timeline_entry():
    open_(requester_email="someone@example.com")
    assert not TimelineEntry.objects.exists()


def test_attachments_are_checked_by_content_and_stored_under_random_names():
    image = SimpleUploadedFile("../../etc/عکس.png", PNG, content_type="text/html")
    ticket = services.open_ticket(
        user=None, data={"subject": "x", "channel": "portal"}, attachments=[image]
    )
    attachment = TicketAttachment.objects.get(ticket=ticket)
    assert attachment.content_type == "image/png"
    assert attachment.name == "عکس.png"
    assert attachment.file.name.startswith("tickets/")
    assert "عکس" not in attachment.file.name and ".." not in attachment.file.name


def test_a_stored_attachment_never_keeps_an_extension_a_web_server_would_run():
    image = SimpleUploadedFile("photo.html", PNG, content_type="text/html")
    ticket = services.open_ticket(
        user=None, data={"subject": "x", "channel": "portal"}, attachments=[image]
    )
    attachment = TicketAttachment.objects.get(ticket=ticket)
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")  # the detected type's, not the sender's


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00 an executable"),
        ("page.txt", b"<html><script>alert(1)</script></html>"),
        ("empty.pdf", b""),
    ],
)
def test_unaccepted_files_are_refused_and_nothing_is_written(name, content, settings):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError) as exc:
        services.open_ticket(
            user=None, data={"subject": "x", "channel": "portal"}, attachments=[upload]
        )
    assert "attachments" in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_files_over_the_limit_are_refused(settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 200)
    with pytest.raises(ValidationError) as exc:
        services.open_ticket(
            user=None, data={"subject": "x", "channel": "api"}, attachments=[upload]
        )
    assert "attachments" in exc.value.message_dict


# --- Conversation --------------------------------------------------------------------------


def test_the_first_public_reply_stamps_first_response_and_opens_the_ticket(capture):
    user = agent()
    ticket = open_()
    services.add_note(ticket, user=user, body="بررسی می‌کنم")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None and ticket.status == "new"
    reply = services.add_reply(ticket, user=user, body="سلام، بررسی شد")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == reply.created_at
    assert ticket.status == TicketStatus.OPEN
    services.add_reply(ticket, user=user, body="دوباره")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == reply.created_at
    firsts = [k["first_response"] for name, k in capture if name == "message_added"]
    assert firsts == [False, True, False]


def test_a_reply_can_set_the_status():
    ticket = open_()
    services.add_reply(
        ticket, user=agent(), body="لطفاً شماره سریال را بفرستید", status="waiting_customer"
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING_CUSTOMER


def test_the_customer_answering_moves_waiting_to_open_and_resolved_to_reopened():
    user = agent()
    ticket = open_()
    services.add_reply(ticket, user=user, body="?", status="waiting_customer")
    services.add_customer_message(ticket, body="بفرمایید")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    services.change_status(ticket, "resolved", user=user)
    services.add_customer_message(ticket, body="باز هم خراب شد")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.resolved_at is None


def test_a_customer_message_on_a_closed_ticket_opens_a_related_follow_up():
    contact = ContactFactory()
    ticket = open_(contact=contact)
    services.change_status(ticket, "closed", user=agent())
    message = services.add_customer_message(ticket, body="مشکل جدید", message_id="<a@b>")
    follow_up = message.ticket
    assert follow_up.pk != ticket.pk
    assert follow_up.contact == contact and follow_up.subject == ticket.subject
    assert list(follow_up.related.all()) == [ticket]
    assert message.message_id == "<a@b>" and message.author_contact == contact
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_empty_or_oversized_messages_are_refused():
    ticket = open_()
    with pytest.raises(ValidationError) as exc:
        services.add_reply(ticket, user=agent(), body="  ")
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_note(ticket, user=agent(), body="x" * 50_001)
    assert "body" in exc.value.message_dict
    assert not TicketMessage.objects.exists()


def test_replies_and_customer_messages_reach_the_timeline_but_notes_do_not():
    contact = ContactFactory()
    ticket = open_(contact=contact)
    user = agent()
    services.add_reply(ticket, user=user, body="پاسخ")
    services.add_note(ticket, user=user, body="یادداشت داخلی محرمانه")
    services.add_customer_message(ticket, body="پیام مشتری")
    kinds = list(
        TimelineEntry.objects.filter(contact=contact).order_by("id").values_list("kind", "body")
    )
    assert kinds == [
        ("ticket_opened", ""),
        ("ticket_reply", "پاسخ"),
        ("ticket_customer_message", "پیام مشتری"),
    ]
    contact.refresh_from_db()
    assert contact.last_contacted_at is not None  # a reply is an interaction


# --- Status and assignment -----------------------------------------------------------------


def test_status_changes_stamp_times_and_reach_the_timeline(capture):
    contact = ContactFactory()
    user = agent()
    ticket = open_(contact=contact)
    services.change_status(ticket, "resolved", user=user, note="با ریست حل شد")
    assert ticket.resolved_at is not None
    services.change_status(ticket, "closed", user=user)
    assert ticket.closed_at is not None
    services.change_status(ticket, "reopened", user=user)
    assert ticket.closed_at is None and ticket.resolved_at is None
    changes = [(k["old"], k["new"]) for n, k in capture if n == "ticket_status_changed"]
    assert changes == [("new", "resolved"), ("resolved", "closed"), ("closed", "reopened")]
    statuses = list(
        TimelineEntry.objects.filter(kind="ticket_status")
        .order_by("id")
        .values_list("data__to", flat=True)
    )
    assert statuses == ["resolved", "closed", "reopened"]
    assert TicketMessage.objects.get(kind=MessageKind.NOTE).body == "با ریست حل شد"


@pytest.mark.parametrize(
    ("start", "target"), [("open", "new"), ("open", "reopened"), ("open", "bogus")]
)
def test_impossible_status_changes_are_refused(start, target):
    ticket = open_()
    services.change_status(ticket, start, user=agent())
    with pytest.raises(ValidationError) as exc:
        services.change_status(ticket, target, user=agent())
    assert "status" in exc.value.message_dict


def test_assign_to_an_agent_sets_their_team_and_notifies_them():
    from peyvand.accounts.models import Notification

    team = TeamFactory(name="پشتیبانی")
    boss, worker = agent("boss"), agent("worker", team=team)
    ticket = open_()
    services.assign(ticket, by=boss, user=worker)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (worker, team)
    assert Notification.objects.filter(user=worker).count() == 1
    services.assign(ticket, by=boss)  # back to the pool of the team
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (None, team)


def test_assign_to_a_team_with_a_strategy_picks_an_available_agent():
    team = TeamFactory(name="فنی")
    away = agent("away", team=team, is_available=False)
    here = agent("here", team=team)
    ticket = open_()
    services.assign(ticket, by=None, team=team, strategy="round_robin")
    ticket.refresh_from_db()
    assert ticket.assignee == here != away


# --- Merge, link, split --------------------------------------------------------------------


def test_merge_moves_messages_and_attachments_and_closes_the_duplicate(capture):
    contact = ContactFactory()
    user = agent()
    survivor = open_(contact=contact)
    duplicate = services.open_ticket(
        user=None,
        data={"subject": "همان مشکل", "channel": "email", "contact": contact, "tags": ["تکراری"]},
        attachments=[SimpleUploadedFile("a.png", PNG)],
    )
    message = services.add_customer_message(duplicate, body="ایمیل دوم")
    other = open_(contact=contact)
    services.link_tickets(duplicate, other, user=user)

    services.merge_tickets(survivor, [duplicate], user=user)

    message.refresh_from_db()
    duplicate.refresh_from_db()
    assert message.ticket == survivor and message.merged_from == duplicate
    assert TicketAttachment.objects.get().ticket == survivor
    assert (duplicate.status, duplicate.merged_into) == (TicketStatus.CLOSED, survivor)
    assert list(survivor.related.all()) == [other]
    assert not duplicate.related.exists()
    assert [t.name for t in survivor.tags.all()] == ["تکراری"]
    notes = TicketMessage.objects.filter(kind="note")
    assert notes.filter(ticket=survivor, body__contains=duplicate.reference).exists()
    assert notes.filter(ticket=duplicate, body__contains=survivor.reference).exists()
    assert (
        "tickets_merged",
        {
            "survivor": survivor,
            "merged": [duplicate],
            "user": user,
            "signal": signals.tickets_merged,
        },
    ) in capture


def test_after_a_merge_the_customer_writing_to_the_old_ticket_reaches_the_survivor():
    survivor, duplicate = open_(), open_()
    services.merge_tickets(survivor, [duplicate], user=agent())
    assert services.add_customer_message(duplicate, body="سلام").ticket == survivor


def test_merge_refuses_nonsense():
    a, b = open_(contact=ContactFactory()), open_(contact=ContactFactory())
    user = agent()
    with pytest.raises(ValidationError):
        services.merge_tickets(a, [a], user=user)
    with pytest.raises(ValidationError):  # different customers
        services.merge_tickets(a, [b], user=user)
    c = open_(contact=a.contact)
    services.merge_tickets(a, [c], user=user)
    with pytest.raises(ValidationError):  # already merged
        services.merge_tickets(a, [c], user=user)
    with pytest.raises(ValidationError):  # a merged ticket cannot change status
        services.change_status(c, "open", user=user)


def test_link_is_both_ways_and_unlink_removes_it():
    a, b = open_(), open_()
    services.link_tickets(a, b, user=None)
    assert list(b.related.all()) == [a]
    services.unlink_tickets(b, a, user=None)
    assert not a.related.exists()
    with pytest.raises(ValidationError):
        services.link_tickets(a, a, user=None)


def test_split_moves_a_customer_message_to_a_new_related_ticket():
    contact = ContactFactory()
    ticket = open_(contact=contact, priority="high")
    message = services.add_customer_message(
        ticket,
        body="یک مشکل دیگر هم دارم: فاکتور",
        attachments=[SimpleUploadedFile("f.png", PNG)],
    )
    new = services.split_message(message, user=agent(), subject="فاکتور اشتباه")
    message.refresh_from_db()
    assert message.ticket == new
    assert TicketAttachment.objects.get().ticket == new
    assert (new.subject, new.contact, new.priority) == ("فاکتور اشتباه", contact, "high")
    assert list(new.related.all()) == [ticket]
    assert not ticket.messages.filter(kind="customer").exists()


def test_only_customer_messages_can_be_split():
    ticket = open_()
    note = services.add_note(ticket, user=agent(), body="داخلی")
    with pytest.raises(ValidationError):
        services.split_message(note, user=agent())


def test_the_tickets_panel_on_the_contact_page(admin_client):
    contact = ContactFactory()
    ticket = open_(contact=contact)
    response = admin_client.get(contact.get_absolute_url())
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()
