"""capture_lead: the one service every channel uses."""

import pytest
from django.core.exceptions import ValidationError

from peyvand.leads import history
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead, LeadStatus
from peyvand.leads.services import IdempotencyConflict, capture_lead
from peyvand.search.selectors import search
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db


def person(**values) -> LeadInput:
    base = {"name": "علي رضايي", "phone": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "email": "Ali@Example.COM"}
    return LeadInput.from_data({**base, **values})


def test_capture_creates_a_lead_with_normalised_details():
    result = capture_lead(
        channel=Channel.TELEGRAM,
        data=person(city="تهران", product="نرم‌افزار حسابداری"),
        source={"campaign": "بهار", "utm_source": "telegram", "": "dropped", "n": ["no lists"]},
    )
    lead = result.lead
    assert result.created and result.attached_to is None
    # Arabic yeh/kaf folded to Persian, phone in E.164, email lower-cased.
    assert (lead.first_name, lead.last_name) == ("علی", "رضایی")
    assert lead.phone == "+989121234567"
    assert lead.email == "ali@example.com"
    assert lead.status == LeadStatus.NEW
    assert lead.channel == Channel.TELEGRAM
    assert lead.source == {"campaign": "بهار", "utm_source": "telegram"}
    assert lead.source_name == "بهار"
    assert lead.language == "fa"


def test_a_new_lead_is_on_its_own_timeline_before_it_has_a_contact():
    lead = capture_lead(channel=Channel.WEBSITE, data=person(message="قیمت را بفرستید")).lead
    entry = history.entries_for(lead).get()
    assert entry.kind == "lead_created"
    assert entry.contact_id is None and entry.company_id is None
    assert entry.body == "قیمت را بفرستید"
    assert entry.data["channel"] == Channel.WEBSITE


def test_a_lead_needs_a_phone_or_an_email():
    with pytest.raises(ValidationError) as error:
        LeadInput.from_data({"name": "بدون راه تماس"})
    assert "__all__" in error.value.message_dict
    with pytest.raises(ValidationError):
        capture_lead(channel=Channel.API, data=LeadInput(last_name="دستی"))


def test_invalid_values_are_reported_per_field():
    with pytest.raises(ValidationError) as error:
        LeadInput.from_data({"phone": "12", "email": "not-an-email", "company_size": "many"})
    assert set(error.value.message_dict) == {"phone", "email", "company_size"}


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValidationError):
        capture_lead(channel="carrier-pigeon", data=person())


def test_the_same_idempotency_key_returns_the_first_result():
    first = capture_lead(channel=Channel.API, data=person(), idempotency_key="order-17")
    again = capture_lead(channel=Channel.API, data=person(), idempotency_key="order-17")
    assert again.lead.pk == first.lead.pk
    assert again.created and again.replayed
    assert Lead.objects.count() == 1
    # Not even an inquiry: the retry is the same request.
    assert TimelineEntry.objects.filter(kind="inquiry").count() == 0


def test_reusing_an_idempotency_key_for_another_request_is_a_conflict():
    capture_lead(channel=Channel.API, data=person(), idempotency_key="k1")
    with pytest.raises(IdempotencyConflict):
        capture_lead(channel=Channel.API, data=person(name="کس دیگر"), idempotency_key="k1")


def test_a_new_lead_can_be_found_by_the_global_search(admin_user):
    lead = capture_lead(channel=Channel.PHONE, data=person()).lead
    hits = search(admin_user, "4567")
    assert [(h.kind, h.object_id) for h in hits] == [("lead", lead.pk)]
