"""The journey every Persian-speaking user makes on day one, in a real browser."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from peyvand.contacts.models import Contact
from peyvand.timeline.models import TimelineEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_creates_a_contact_logs_a_call_and_finds_it(sign_in, live_server, admin_user):
    page = sign_in(admin_user)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    # Typed on an Arabic keyboard (yeh U+064A, kaf U+0643) with Persian digits and spaces.
    page.goto(live_server.url + reverse("contacts:contact_create"))
    form = page.locator("form.record-form")
    form.locator("[name=first_name]").fill("علي")
    form.locator("[name=last_name]").fill("كريمی")
    form.locator("[name=phones-0-number]").fill("۰۹۱۲ ۱۲۶ ۹۳۸۲")
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    contact_url = page.url
    expect(page.locator("h1")).to_have_text("علی کریمی")
    expect(page.locator("main")).to_contain_text("۰۹۱۲ ۱۲۶ ۹۳۸۲")

    # Log a call from the timeline panel's composer.
    panel = page.locator("#timeline-panel")
    panel.locator("[role=tab][hx-get*='tab=call']").click()
    call = panel.locator("form[action*='/add/call/']")
    call.locator("[name=call-direction]").select_option("outbound")
    call.locator("[name=call-duration_seconds]").fill("۴:۳۰")
    call.locator("[name=call-outcome]").select_option("answered")
    call.locator("[name=call-body]").fill("درباره پیش‌فاکتور صحبت شد")
    call.locator("button[type=submit]").click()
    entries = page.locator("#timeline-panel ol.timeline")
    expect(entries).to_contain_text("درباره پیش‌فاکتور صحبت شد")
    expect(entries).to_contain_text("۴:۳۰")

    # What reached the database is the canonical form, not what was typed.
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name) == ("علی", "کریمی")
    assert contact.primary_phone == "+989121269382"
    call_entry = TimelineEntry.objects.get(contact=contact, kind="call")
    assert (call_entry.direction, call_entry.duration_seconds) == ("outbound", 270)
    assert call_entry.outcome == "answered"

    # The topbar search finds the contact by the last digits of the phone, in Persian digits.
    page.goto(live_server.url + reverse("dashboard:home"))
    search = page.get_by_role("search").locator("input[name=q]")
    search.press_sequentially("۹۳۸۲", delay=50)
    suggestion = page.locator("#search-suggestions a", has_text="علی کریمی").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    page.wait_for_url(contact_url)
    expect(page.locator("h1")).to_contain_text("علی کریمی")


def test_switching_to_english_turns_the_layout_left_to_right(sign_in, admin_user):
    page = sign_in(admin_user)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")

    page.locator("form.langswitch button[type=submit]").click()

    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Contacts", exact=True)).to_be_visible()
