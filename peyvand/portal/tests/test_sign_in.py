"""Customers sign in with a one-time code sent to their e-mail or mobile; the portal never says
whether an address belongs to a customer, and limits codes and tries."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from peyvand.contacts.tests.factories import ContactFactory, EmailFactory, PhoneFactory
from peyvand.core import sms
from peyvand.portal import services
from peyvand.portal.auth import SESSION_KEY
from peyvand.portal.models import LoginCode

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")
VERIFY = reverse("portal:verify")
TICKETS = reverse("portal:tickets")
# The portal speaks Persian unless the customer switches to English.
WRONG = "کد نادرست است یا منقضی شده است"
TOO_MANY_CODES = "تعداد درخواست‌های کد بیش از حد مجاز بود"


@pytest.fixture
def customer():
    contact = ContactFactory(first_name="علی", last_name="کریمی")
    EmailFactory(contact=contact, address="ali@example.ir", is_primary=True)
    PhoneFactory(contact=contact, number="+989121234567")
    return contact


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()


def emailed_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def ask(client, identifier: str):
    return client.post(LOGIN, {"identifier": identifier})


def test_a_customer_signs_in_with_the_code_emailed_to_them(client, customer):
    response = ask(client, "Ali@Example.ir")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert mail.outbox[-1].to == ["ali@example.ir"]
    response = client.post(VERIFY, {"code": emailed_code()})
    assert response.status_code == 302
    assert response["Location"] == TICKETS
    assert client.session[SESSION_KEY] == customer.pk
    assert client.get(TICKETS).status_code == 200


def test_a_customer_signs_in_with_a_code_by_text_message_in_persian_digits(client, customer):
    ask(client, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    message = sms.outbox[-1]
    assert message.to == "+989121234567"
    code = re.search(r"\b(\d{6})\b", message.text).group(1)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.post(VERIFY, {"code": persian})["Location"] == TICKETS


def test_codes_are_stored_only_as_keyed_hashes(client, customer):
    ask(client, "ali@example.ir")
    code = emailed_code()
    stored = LoginCode.objects.get()
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_a_wrong_code_is_refused(client, customer):
    ask(client, "ali@example.ir")
    wrong = "000000" if emailed_code() != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(TICKETS)["Location"] == LOGIN


def test_an_expired_code_is_refused(client, customer, settings):
    ask(client, "ali@example.ir")
    code = emailed_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = client.post(VERIFY, {"code": code})
    assert WRONG in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_code_works_once(client, customer):
    ask(client, "ali@example.ir")
    code = emailed_code()
    client.post(VERIFY, {"code": code})
    login_code = LoginCode.objects.get()
    assert login_code.used_at is not None
    with pytest.raises(services.CodeRejected):
        services.verify_code(login_code.pk, code)


def test_too_many_wrong_tries_burn_the_code(client, customer, settings):
    settings.PORTAL_CODE_MAX_ATTEMPTS = 3
    ask(client, "ali@example.ir")
    code = emailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post(VERIFY, {"code": wrong})
    response = client.post(VERIFY, {"code": code})
    assert "تعداد تلاش‌های نادرست زیاد بود" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert LoginCode.objects.get().attempts == 3


def test_an_unknown_address_gets_exactly_the_same_answer(client, customer):
    known = ask(client, "ali@example.ir")
    stranger = client.__class__()
    unknown = ask(stranger, "nobody@example.ir")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    page_known = client.get(VERIFY).content.decode()
    page_unknown = stranger.get(VERIFY).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", page_known) == strip.sub("", page_unknown)
    assert len(mail.outbox) == 1  # nothing is sent to an address no customer has
    # And no code can sign the stranger in.
    assert WRONG in stranger.post(VERIFY, {"code": "123456"}).content.decode()


def test_codes_are_rate_limited_per_address_and_per_ip(client, customer, settings):
    settings.PORTAL_CODE_RATE_PER_IDENTIFIER = 2
    settings.PORTAL_CODE_RATE_PER_IP = 3
    assert ask(client, "ali@example.ir").status_code == 302
    assert ask(client, "ali@example.ir").status_code == 302
    limited = ask(client, "ali@example.ir")
    assert limited.status_code == 200
    assert TOO_MANY_CODES in limited.content.decode()
    assert len(mail.outbox) == 2
    assert ask(client, "other@example.ir").status_code == 302  # third code from this IP
    assert TOO_MANY_CODES in ask(client, "third@example.ir").content.decode()


def test_a_new_code_replaces_the_previous_one(client, customer):
    ask(client, "ali@example.ir")
    first = emailed_code()
    ask(client, "ali@example.ir")
    second = emailed_code()
    if first != second:
        assert WRONG in client.post(VERIFY, {"code": first}).content.decode()
    assert client.post(VERIFY, {"code": second})["Location"] == TICKETS


def test_a_malformed_address_is_explained(client):
    response = ask(client, "not an address")
    assert response.status_code == 200
    assert "یک نشانی ایمیل یا شماره موبایل معتبر وارد کنید." in response.content.decode()


def test_signing_out_ends_the_portal_session(client, customer):
    ask(client, "ali@example.ir")
    client.post(VERIFY, {"code": emailed_code()})
    client.post(reverse("portal:logout"))
    assert client.get(TICKETS)["Location"] == LOGIN


def test_the_portal_is_persian_by_default_and_switches_to_english(client):
    page = client.get(LOGIN).content.decode()
    assert 'dir="rtl"' in page
    client.post(reverse("portal:set_language"), {"language": "en", "next": LOGIN})
    page = client.get(LOGIN).content.decode()
    assert 'dir="ltr"' in page
    assert "Send me a code" in page


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(client, settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True
    settings.PORTAL_CODE_RATE_PER_IP = 1
    proxy = {"headers": {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}}
    assert client.post(LOGIN, {"identifier": "a@example.ir"}, **proxy).status_code == 302
    assert client.post(LOGIN, {"identifier": "b@example.ir"}, **proxy).status_code == 200
    other = {"headers": {"X-Forwarded-For": "not-an-ip"}}
    assert client.post(LOGIN, {"identifier": "c@example.ir"}, **other).status_code == 302
    assert LoginCode.objects.filter(ip_address="203.0.113.7").count() == 1
