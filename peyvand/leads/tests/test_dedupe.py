"""De-duplication: a known person becomes an inquiry on their record, never a second lead."""

import pytest

from peyvand.accounts.models import Notification
from peyvand.contacts import services as contacts
from peyvand.leads import history
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead, LeadStatus
from peyvand.leads.services import capture_lead, change_status
from peyvand.timeline.models import TimelineEntry

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def data(**values) -> LeadInput:
    return LeadInput.from_data({"name": "مینا کاظمی", "phone": "09121112233", **values})


def test_same_phone_in_another_format_attaches_an_inquiry_to_the_open_lead():
    owner = UserFactory()
    first = capture_lead(channel=Channel.WEBSITE, data=data()).lead
    Lead.objects.filter(pk=first.pk).update(owner=owner)
    result = capture_lead(
        channel=Channel.INSTAGRAM,
        data=data(phone="+98 912 111 2233", email="mina@example.com", message="دوباره سلام"),
        source={"campaign": "پاییز"},
    )
    assert result.attached_to == "lead" and not result.created
    assert result.lead.pk == first.pk
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    # What the lead was missing is filled in; the engagement is counted.
    assert lead.email == "mina@example.com"
    assert lead.inquiries == 2
    inquiry = history.entries_for(lead).get(kind="inquiry")
    assert inquiry.body == "دوباره سلام"
    assert inquiry.data["channel"] == Channel.INSTAGRAM
    assert inquiry.subject == "پاییز"
    assert Notification.objects.filter(user=owner, url=lead.get_absolute_url()).exists()


def test_same_email_attaches_too():
    capture_lead(channel=Channel.EMAIL, data=LeadInput.from_data({"email": "x@example.com"}))
    result = capture_lead(
        channel=Channel.WEBSITE,
        data=LeadInput.from_data({"email": "X@example.com", "name": "ایکس"}),
    )
    assert result.attached_to == "lead"
    assert Lead.objects.get().last_name == "ایکس"


def test_a_closed_lead_does_not_swallow_a_new_inquiry(admin_user):
    first = capture_lead(channel=Channel.WEBSITE, data=data()).lead
    change_status(first, LeadStatus.LOST, user=admin_user, reason="no_budget")
    result = capture_lead(channel=Channel.WEBSITE, data=data())
    assert result.created
    assert Lead.objects.count() == 2


def test_a_known_contact_gets_an_inquiry_on_their_timeline_instead_of_a_lead():
    owner = UserFactory()
    contact = contacts.create_contact(
        user=owner,
        data=contacts.ContactInput(last_name="کاظمی", first_name="مینا", phones=["09121112233"]),
    )
    result = capture_lead(channel=Channel.WHATSAPP, data=data(message="سفارش جدید"))
    assert result.attached_to == "contact"
    assert result.lead is None and result.contact == contact
    assert not Lead.objects.exists()
    entry = TimelineEntry.objects.get(kind="inquiry")
    assert entry.contact == contact
    assert entry.body == "سفارش جدید"
    assert Notification.objects.filter(user=owner, url=contact.get_absolute_url()).exists()


def test_same_name_and_city_is_flagged_for_review_not_merged():
    first = capture_lead(channel=Channel.WEBSITE, data=data(city="شیراز")).lead
    second = capture_lead(channel=Channel.WEBSITE, data=data(phone="09350000000", city="شيراز"))
    assert second.created and second.flagged_near_duplicate
    assert second.lead.similar_lead == first
    other_city = capture_lead(channel=Channel.WEBSITE, data=data(phone="09351111111", city="تبریز"))
    assert other_city.created and not other_city.flagged_near_duplicate


def test_same_name_and_city_as_a_contact_is_flagged(admin_user):
    contact = contacts.create_contact(
        user=admin_user,
        data=contacts.ContactInput(
            first_name="مینا", last_name="کاظمی", addresses=[{"city": "شیراز"}]
        ),
    )
    result = capture_lead(channel=Channel.EVENT, data=data(city="شیراز"))
    assert result.flagged_near_duplicate
    assert result.lead.similar_contact == contact
