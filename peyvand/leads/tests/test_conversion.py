"""Conversion: a qualified lead becomes a contact (and company), its history moves, and doing
it twice does nothing more."""

import pytest
from django.core.exceptions import ValidationError

from peyvand.contacts import services as contacts
from peyvand.contacts.models import Company, Contact, LifecycleStage, Membership
from peyvand.leads import history, signals
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, LeadStatus
from peyvand.leads.services import capture_lead, convert_lead, log_interaction, qualify
from peyvand.timeline.models import TimelineEntry

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def qualified_lead(admin_user):
    owner = UserFactory()
    data = LeadInput.from_data(
        {
            "name": "نگار صادقی",
            "phone": "09123334455",
            "email": "negar@example.com",
            "company": "پارس افزار",
            "job_title": "مدیر خرید",
            "company_size": "45",
            "province": "تهران",
            "city": "تهران",
            "message": "دمو می‌خواهم",
        }
    )
    lead = capture_lead(channel=Channel.REFERRAL, data=data).lead
    lead.owner = owner
    lead.save()
    log_interaction(
        lead, user=owner, kind="call", direction="outbound", outcome="answered", body="تماس اول"
    )
    return qualify(lead, user=owner)


def test_converting_creates_the_contact_and_company_and_moves_the_history(
    qualified_lead, admin_user
):
    contact = convert_lead(qualified_lead, user=admin_user)
    assert (contact.first_name, contact.last_name) == ("نگار", "صادقی")
    assert contact.primary_phone == "+989123334455"
    assert contact.primary_email == "negar@example.com"
    assert contact.owner == qualified_lead.owner
    assert contact.source == Channel.REFERRAL
    assert contact.lifecycle_stage == LifecycleStage.PROSPECT
    company = Company.objects.get()
    assert (company.name, company.employee_count) == ("پارس افزار", 45)
    membership = Membership.objects.get(contact=contact)
    assert (membership.company, membership.title) == (company, "مدیر خرید")

    lead = qualified_lead
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert (lead.contact, lead.company, lead.converted_by) == (contact, company, admin_user)
    kinds = set(history.entries_for(lead).values_list("kind", flat=True))
    assert {"lead_created", "call", "lead_status", "lead_converted"} <= kinds
    # Every entry of the lead is now on the contact's timeline.
    assert not history.entries_for(lead).filter(contact__isnull=True).exists()
    assert TimelineEntry.objects.filter(contact=contact, kind="call").exists()
    contact.refresh_from_db()
    assert contact.last_contacted_at is not None  # the call counts


def test_converting_twice_does_nothing_more(qualified_lead, admin_user):
    first = convert_lead(qualified_lead, user=admin_user)
    entries = TimelineEntry.objects.count()
    again = convert_lead(qualified_lead, user=admin_user)
    assert again == first
    assert Contact.objects.count() == 1 and Company.objects.count() == 1
    assert TimelineEntry.objects.count() == entries


def test_an_existing_contact_with_the_same_email_is_linked_not_duplicated(admin_user):
    # A contact added after the lead (the capture would otherwise have attached to it).
    data = LeadInput.from_data({"name": "امید فرهادی", "email": "omid@example.com"})
    lead = capture_lead(channel=Channel.WEBSITE, data=data).lead
    existing = contacts.create_contact(
        user=admin_user,
        data=contacts.ContactInput(last_name="فرهادی", emails=["omid@example.com"]),
    )
    qualify(lead, user=admin_user)
    assert convert_lead(lead, user=admin_user) == existing
    assert Contact.objects.count() == 1


def test_an_existing_company_of_the_same_name_is_reused(admin_user):
    company = contacts.create_company(
        user=admin_user, data=contacts.CompanyInput(name="پارس افزار")
    )
    data = LeadInput.from_data({"name": "سمیرا", "phone": "09124445566", "company": "پارس افزار"})
    lead = qualify(capture_lead(channel=Channel.WEBSITE, data=data).lead, user=admin_user)
    contact = convert_lead(lead, user=admin_user)
    assert Company.objects.count() == 1
    assert Membership.objects.filter(contact=contact, company=company).exists()
    assert contact.last_name == "سمیرا"  # a one-word name is the family name


def test_only_qualified_leads_convert(admin_user):
    lead = capture_lead(
        channel=Channel.WEBSITE, data=LeadInput.from_data({"phone": "09125556677"})
    ).lead
    with pytest.raises(ValidationError):
        convert_lead(lead, user=admin_user)
    assert not Contact.objects.exists()


def test_the_sales_module_hears_about_conversions(qualified_lead, admin_user):
    heard = []

    def receiver(sender, lead, contact, company, user, create_deal, deal_input, **kwargs):
        heard.append((lead.pk, contact.pk, company.pk, user, create_deal, deal_input))

    signals.lead_converted.connect(receiver, dispatch_uid="test-deals")
    try:
        assert signals.deal_creation_available()
        contact = convert_lead(
            qualified_lead, user=admin_user, create_deal=True, deal_input={"amount": 5}
        )
        convert_lead(qualified_lead, user=admin_user, create_deal=True)
    finally:
        signals.lead_converted.disconnect(dispatch_uid="test-deals")
    assert heard == [
        (
            qualified_lead.pk,
            contact.pk,
            qualified_lead.company_id or contact.memberships.get().company_id,
            admin_user,
            True,
            {"amount": 5},
        )
    ]


def test_converting_from_the_page_opens_the_lead_with_its_contact(qualified_lead, admin_client):
    response = admin_client.post(f"/leads/{qualified_lead.pk}/convert/")
    assert response.status_code == 302
    qualified_lead.refresh_from_db()
    assert qualified_lead.status == LeadStatus.CONVERTED
    page = admin_client.get(qualified_lead.get_absolute_url()).content.decode()
    assert qualified_lead.contact.get_absolute_url() in page
    again = admin_client.post(f"/leads/{qualified_lead.pk}/convert/")
    assert again.status_code == 302
    assert Contact.objects.count() == 1
