from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from peyvand.accounts.models import Team, User
from peyvand.contacts.models import Company, Contact, Membership, Phone
from peyvand.core.national_ids import is_valid_company_national_id, is_valid_national_id
from peyvand.core.persian import normalize_text
from peyvand.core.phones import normalize_phone
from peyvand.demo import foundation as demo
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", "--contacts", "40", *args, stdout=out)
    return out.getvalue()


def test_loads_a_scaled_data_set():
    output = load()

    # Converted demo leads add contacts, companies, entries and tasks of their own on top.
    assert "40 contacts, 8 companies, 200 timeline entries, 26 tasks" in output
    assert Contact.objects.count() >= 40 and Company.objects.count() >= 8
    assert TimelineEntry.objects.count() >= 200 and Task.objects.count() >= 26
    assert User.objects.filter(username__in=[u.username for u in demo.USERS]).count() == 9
    assert Membership.objects.exists()


def test_teams_form_a_hierarchy_with_managers():
    load()

    tehran = Team.objects.get(name="فروش تهران")
    assert tehran.parent.name == "فروش"
    assert tehran.parent.parent.name == "مدیریت"
    assert tehran.manager.username == "amir"
    assert tehran.members.filter(username="narges").exists()


def test_values_are_stored_normalised():
    load()

    for contact in Contact.objects.all():
        assert contact.first_name == normalize_text(contact.first_name)
        assert contact.last_name == normalize_text(contact.last_name)
        assert contact.primary_phone.startswith("+989")
        assert normalize_phone(contact.primary_phone) == contact.primary_phone
        assert contact.province and contact.city
        # The list columns mirror the primary address, as contacts' services keep them.
        assert contact.addresses.filter(
            is_primary=True, province=contact.province, city=contact.city
        ).exists()
        assert Phone.objects.filter(
            contact=contact, number=contact.primary_phone, is_primary=True
        ).exists()
        if contact.primary_email:
            assert contact.emails.filter(address=contact.primary_email, is_primary=True).exists()
    # Arabic yeh and kaf never reach the database.
    assert not Contact.objects.filter(last_name__contains="\u064a").exists()
    assert not Contact.objects.filter(last_name__contains="\u0643").exists()


def test_identifiers_are_valid_and_unique():
    load()

    ids = list(Contact.objects.exclude(national_id="").values_list("national_id", flat=True))
    assert ids and all(is_valid_national_id(code) for code in ids)
    assert len(ids) == len(set(ids))
    company_ids = list(
        Company.objects.exclude(national_id="").values_list("national_id", flat=True)
    )
    assert all(is_valid_company_national_id(code) for code in company_ids)
    phones = list(Phone.objects.values_list("number", flat=True))
    assert len(phones) == len(set(phones))


def test_timeline_and_tasks_look_like_real_work():
    load()
    now = timezone.now()

    calls = TimelineEntry.objects.filter(kind="call")
    assert calls.exclude(outcome="").exists()
    assert calls.filter(duration_seconds__gt=0).exists()
    assert not TimelineEntry.objects.filter(occurred_at__gt=now).exists()
    assert TimelineEntry.objects.filter(occurred_at__lt=now - timezone.timedelta(days=60)).exists()
    assert Contact.objects.filter(last_contacted_at__isnull=False).exists()

    assert Task.objects.overdue(now).exists()
    assert Task.objects.filter(done_at__isnull=False).exists()
    today = timezone.localdate(now)
    assert Task.objects.open().filter(due_at__date__gte=today).exists()


def test_demo_users_sign_in_with_the_documented_password():
    load()

    user = User.objects.get(username="sara")
    assert user.check_password(demo.DEMO_PASSWORD)
    assert user.role.name == "Manager"


def test_second_run_does_nothing():
    load()
    counts = (Contact.objects.count(), TimelineEntry.objects.count(), Task.objects.count())

    output = load()

    assert "already loaded" in output
    assert (Contact.objects.count(), TimelineEntry.objects.count(), Task.objects.count()) == counts


def test_flush_reloads_the_same_deterministic_data():
    load()
    first = list(Contact.objects.order_by("id").values_list("last_name", "primary_phone"))

    load("--flush")

    assert list(Contact.objects.order_by("id").values_list("last_name", "primary_phone")) == first


def test_contacts_and_companies_are_searchable():
    from peyvand.search.models import SearchEntry

    load()

    assert SearchEntry.objects.filter(kind="contact").count() == Contact.objects.count()
    assert SearchEntry.objects.filter(kind="company").count() == Company.objects.count()


def test_an_existing_administrator_gets_a_share_of_the_tasks(admin_user):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])

    load()

    assert Task.objects.filter(assignee=admin_user).exists()


def test_each_module_adds_its_own_demo_records(django_capture_on_commit_callbacks):
    from django.core import mail

    from peyvand.knowledge.models import Article, CannedResponse
    from peyvand.leads.models import Lead, LeadStatus
    from peyvand.service.models import (
        CsatSurvey,
        SlaBreach,
        Ticket,
        TicketMessage,
        TicketResource,
        TicketStatus,
    )

    # Run what the load leaves for after its commit: the demo's history sends no CSAT survey
    # and no reply e-mail to the demo customers.
    with django_capture_on_commit_callbacks(execute=True):
        output = load()

    statuses = set(Lead.objects.values_list("status", flat=True))
    assert {LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.CONVERTED} <= statuses
    assert Lead.objects.filter(owner__isnull=False).exists()
    assert " leads" in output

    from collections import Counter

    from peyvand.commerce.models import Order, OrderStatus
    from peyvand.sales.models import Deal, DealStatus, ForecastSnapshot, SalesTarget

    orders = Order.objects.filter(source="manual")
    assert orders.count() >= 20 and " orders" in output
    per_customer = Counter(orders.values_list("contact_id", flat=True))
    assert max(per_customer.values()) >= 3  # repeat customers for RFM
    assert orders.filter(status__in=[OrderStatus.PAID, OrderStatus.FULFILLED]).count() > (
        orders.count() // 2
    )
    assert orders.filter(profit__gt=0).exists()
    assert orders.filter(ordered_at__lt=timezone.now() - timezone.timedelta(days=300)).exists()
    assert not orders.filter(paid_at__gt=timezone.now()).exists()

    deals = Deal.objects.filter(status=DealStatus.OPEN)
    assert deals.values("stage").distinct().count() >= 3
    assert Deal.objects.filter(status=DealStatus.WON, won_at__isnull=False).exists()
    assert Deal.objects.filter(status=DealStatus.LOST, lost_reason__isnull=False).exists()
    assert Deal.objects.filter(stage_changes__seconds_in_previous__gt=86400).exists()
    assert SalesTarget.objects.filter(user__username="amir").count() == 4
    assert SalesTarget.objects.filter(team__name="فروش").exists()
    assert ForecastSnapshot.objects.exists() and " deals" in output

    assert Article.objects.filter(status="published").exists()
    assert CannedResponse.objects.exists()
    assert " tickets" in output and " knowledge articles" in output
    assert len(set(Ticket.objects.values_list("channel", flat=True))) >= 5
    ticket_statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED} <= ticket_statuses
    resolved = Ticket.objects.filter(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
    answered = resolved.filter(csat_surveys__answered_at__isnull=False).distinct()
    assert answered.count() > resolved.count() / 2
    assert not CsatSurvey.objects.filter(answered_at__isnull=True).exists()
    assert mail.outbox == []
    assert TicketResource.objects.filter(article__isnull=False).exists()
    assert Ticket.objects.filter(merged_into__isnull=False).exists()
    assert Ticket.objects.filter(tier__level__gte=2).exists()
    assert SlaBreach.objects.exists()
    assert set(TicketMessage.objects.values_list("kind", flat=True)) == {
        "reply",
        "note",
        "customer",
    }
    # Backdated: months of history, nothing in the future, every step after the opening.
    now = timezone.now()
    assert Ticket.objects.filter(created_at__lt=now - timezone.timedelta(days=90)).exists()
    assert not Ticket.objects.filter(created_at__gt=now).exists()
    assert not TicketMessage.objects.filter(created_at__lt=F("ticket__created_at")).exists()
    assert not resolved.filter(resolved_at__lt=F("first_responded_at")).exists()
    assert not TimelineEntry.objects.filter(occurred_at__gt=now).exists()


def test_flush_removes_what_the_modules_added():
    from peyvand.leads.models import Lead
    from peyvand.service.models import Ticket

    load()
    first_load = sorted(Lead.objects.values_list("phone", "status"))
    first_tickets = sorted(Ticket.objects.values_list("subject", "channel", "priority"))
    load("--flush")

    assert sorted(Lead.objects.values_list("phone", "status")) == first_load
    assert sorted(Ticket.objects.values_list("subject", "channel", "priority")) == first_tickets
