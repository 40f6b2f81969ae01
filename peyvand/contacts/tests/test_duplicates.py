"""find_duplicates matches normalised phone, email or national ID among alive records."""

import pytest
from django.utils import timezone

from peyvand.contacts.services import find_duplicates
from peyvand.core.national_ids import generate_company_national_id

from .factories import CompanyFactory, ContactFactory, EmailFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_phone_matches_whatever_the_typing():
    phone = PhoneFactory(number="+989121269382")
    matches = find_duplicates(phones=["۰۹۱۲ ۱۲۶ ۹۳۸۲"])
    assert [(m.record, m.reasons) for m in matches] == [(phone.contact, ["phone"])]


def test_email_matches_case_insensitively():
    email = EmailFactory(address="ali@example.ir")
    matches = find_duplicates(emails=["  ALI@Example.IR"])
    assert [m.record for m in matches] == [email.contact]
    assert matches[0].reasons == ["email"]


def test_national_id_matches_with_persian_digits():
    contact = ContactFactory()
    persian = contact.national_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    matches = find_duplicates(national_id=persian)
    assert [(m.record, m.reasons) for m in matches] == [(contact, ["national_id"])]


def test_all_reasons_of_one_record_are_listed_once():
    contact = ContactFactory()
    PhoneFactory(contact=contact, number="+989121269382")
    EmailFactory(contact=contact, address="zahra@example.ir")
    matches = find_duplicates(
        phones=["09121269382"], emails=["zahra@example.ir"], national_id=contact.national_id
    )
    assert len(matches) == 1
    assert matches[0].reasons == ["national_id", "phone", "email"]
    assert len(matches[0].reason_labels) == 3


def test_merged_deleted_and_excluded_records_are_not_duplicates():
    survivor = ContactFactory()
    merged = ContactFactory(merged_into=survivor)
    deleted = ContactFactory(deleted_at=timezone.now())
    PhoneFactory(contact=merged, number="+989121111111")
    PhoneFactory(contact=deleted, number="+989121111111")
    PhoneFactory(contact=survivor, number="+989121111111")
    assert [m.record for m in find_duplicates(phones=["09121111111"])] == [survivor]
    assert find_duplicates(phones=["09121111111"], exclude_id=survivor.pk) == []


def test_invalid_values_are_ignored_and_nothing_matches_nothing():
    PhoneFactory(number="+989121269382")
    assert find_duplicates(phones=["not a phone", ""], emails=[""], national_id="123") == []
    assert find_duplicates() == []


def test_company_phones_do_not_match_contacts_and_vice_versa():
    company = CompanyFactory(national_id=generate_company_national_id("1010123456"))
    PhoneFactory(contact=None, company=company, number="+982188887777")
    assert find_duplicates(phones=["021 8888 7777"]) == []
    matches = find_duplicates(phones=["021 8888 7777"], kind="company")
    assert [m.record for m in matches] == [company]
    assert find_duplicates(national_id=company.national_id, kind="company")[0].record == company


def test_duplicate_lookup_uses_few_queries(django_assert_max_num_queries):
    for _ in range(5):
        PhoneFactory(number="+989121269382")
    with django_assert_max_num_queries(4):
        matches = find_duplicates(
            phones=["09121269382"], emails=["x@example.ir"], national_id="0012345679"
        )
    assert len(matches) == 5
