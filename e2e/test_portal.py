"""A customer signs in to the portal with an e-mailed code, opens a request and reads the
answer, in a real browser."""

import os
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from peyvand.contacts.tests.factories import ContactFactory, EmailFactory
from peyvand.service import services as desk
from peyvand.service.models import Ticket
from peyvand.service.tests.factories import agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_signs_in_with_a_code_and_follows_a_request(page, live_server):
    contact = ContactFactory(first_name="مینا", last_name="رحیمی")
    EmailFactory(contact=contact, address="mina@example.ir", is_primary=True)

    page.goto(f"{live_server.url}/portal/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("[name=identifier]").fill("Mina@Example.ir")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/login/code/$"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.locator("[name=code]").fill(code)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/tickets/$"))

    page.locator("main a[href$='/portal/tickets/new/']").click()
    page.locator("[name=subject]").fill("فاکتور چاپ نمی‌شود")
    page.locator("[name=description]").fill("از دیروز هنگام چاپ فاکتور خطا می‌گیرم.")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert (ticket.contact_id, ticket.channel) == (contact.pk, "portal")

    staff = agent()
    desk.add_note(ticket, user=staff, body="یادداشت داخلی برای همکاران")
    desk.add_reply(ticket, user=staff, body="لطفا نسخه نرم‌افزار را بفرمایید.")
    page.reload()
    expect(page.locator(".conversation")).to_contain_text("لطفا نسخه نرم‌افزار را بفرمایید.")
    expect(page.locator(".conversation")).not_to_contain_text("یادداشت داخلی")
    if os.environ.get("PEYVAND_SCREENSHOTS"):
        page.screenshot(
            path=os.environ["PEYVAND_SCREENSHOTS"] + "/portal-ticket.png", full_page=True
        )

    page.locator("[name=body]").fill("نسخه ۴٫۲ است.")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".conversation")).to_contain_text("نسخه ۴٫۲ است.")

    page.locator("header button.linklike").click()
    page.wait_for_url(re.compile(r"/portal/login/$"))
    page.goto(f"{live_server.url}/portal/tickets/")
    page.wait_for_url(re.compile(r"/portal/login/$"))
