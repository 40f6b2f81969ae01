"""Every main page of a demo installation opens, in Persian and in English: the 360 pages of
customers with orders, deals, tickets and leads, each module's lists, boards and reports."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from peyvand.accounts.models import User

pytestmark = pytest.mark.django_db


def pages() -> list[str]:
    from peyvand.commerce.models import Order
    from peyvand.contacts.models import Company
    from peyvand.leads.models import Lead
    from peyvand.sales.models import Deal, Quote
    from peyvand.service.models import Ticket

    customers = {
        Order.objects.exclude(contact=None).values_list("contact_id", flat=True).first(),
        Deal.objects.exclude(contact=None).values_list("contact_id", flat=True).first(),
        Ticket.objects.exclude(contact=None).values_list("contact_id", flat=True).first(),
        Lead.objects.exclude(contact=None).values_list("contact_id", flat=True).first(),
    }
    urls = [reverse("contacts:contact_detail", args=[pk]) for pk in customers if pk]
    urls.append(Company.objects.filter(memberships__isnull=False).first().get_absolute_url())
    urls += [
        reverse(name)
        for name in [
            "dashboard:home",
            "contacts:contact_list",
            "contacts:company_list",
            "tasks:my_day",
            "leads:list",
            "leads:funnel",
            "sales:home",
            "sales:list",
            "sales:rotting",
            "sales:quotes",
            "sales:forecast",
            "commissions:statements",
            "commerce:order_list",
            "commerce:product_list",
            "service:queue_mine",
            "service:reports",
            "knowledge:list",
            "search:results",
        ]
    ]
    urls.append(Deal.objects.first().get_absolute_url())
    urls.append(Quote.objects.first().get_absolute_url())
    urls.append(Order.objects.first().get_absolute_url())
    urls.append(Ticket.objects.first().get_absolute_url())
    urls.append(Lead.objects.first().get_absolute_url())
    return urls


def test_every_main_page_of_the_demo_opens_in_both_languages(client):
    # One demo load for both languages: it is the slow part.
    call_command("load_demo_data", "--contacts", "40", stdout=StringIO())
    manager = User.objects.get(username="mehdi")
    client.force_login(manager)
    failures = {}
    for language, url in [(language, url) for language in ("fa", "en") for url in pages()]:
        User.objects.filter(pk=manager.pk).update(language=language)
        response = client.get(url, {"q": "علی"} if "search" in url else {}, follow=True)
        if response.status_code != 200:
            failures[f"{language} {url}"] = response.status_code
    assert failures == {}
