"""The records and people the permission matrix test requests every route with.

One record of each kind a route can point at, owned by the Administrator principal, so every
URL with an id resolves (modules are shared with everyone by default, so every role that may
view a module sees them); and one person per principal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from peyvand.accounts.models import ApiToken, Role, Team
from peyvand.accounts.roles import DEFAULT_ROLES
from peyvand.accounts.tests.factories import TeamFactory, UserFactory

ANONYMOUS = "anonymous"
NO_ROLE = "no role"
PORTAL = "portal customer"
API_TOKEN = "API token only"
ROLES = list(DEFAULT_ROLES)  # seeded by the accounts migrations (plus each app's grants)
PRINCIPALS = [*ROLES, NO_ROLE, ANONYMOUS, PORTAL, API_TOKEN]


@dataclass
class World:
    users: dict = field(default_factory=dict)  # principal -> User (staff principals)
    tokens: dict = field(default_factory=dict)  # principal -> raw API token
    customer: object = None  # the portal customer's Contact
    records: dict = field(default_factory=dict)  # kind -> record id or value


def build_world() -> World:
    from peyvand.commerce.tests.factories import (
        OrderFactory,
        PriceListFactory,
        ProductCategoryFactory,
        ProductFactory,
    )
    from peyvand.commissions import services as commission_services
    from peyvand.commissions.models import CommissionPlan
    from peyvand.contacts import services as contact_services
    from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory, EmailFactory
    from peyvand.core.periods import Period
    from peyvand.exports.models import ExportFile
    from peyvand.imports import services as import_services
    from peyvand.knowledge.models import Visibility
    from peyvand.knowledge.tests.factories import (
        ArticleCategoryFactory,
        CannedResponseFactory,
        make_article,
    )
    from peyvand.leads.tests.factories import (
        AssignmentRuleFactory,
        LeadFactory,
        LeadFormFactory,
        ScoringRuleFactory,
    )
    from peyvand.sales import forecast, quotes
    from peyvand.sales.tests.factories import DealFactory, make_pipeline
    from peyvand.service import calendars, sla
    from peyvand.service.models import (
        CsatSurvey,
        SlaPolicy,
        TicketAttachment,
        TicketMessage,
    )
    from peyvand.service.models.sla import hash_csat_token
    from peyvand.service.tests.factories import (
        RoutingRuleFactory,
        SupportTierFactory,
        TicketCategoryFactory,
        TicketFactory,
    )
    from peyvand.tasks.tests.factories import TaskFactory
    from peyvand.timeline.tests.factories import TimelineEntryFactory, wav_bytes

    world = World()
    team = TeamFactory(name="تیم ماتریس")
    for name in ROLES:
        role = Role.objects.get(name=name)
        world.users[name] = UserFactory(username=f"matrix-{role.pk}", role=role, team=team)
    world.users[NO_ROLE] = UserFactory(username="matrix-norole", role=None)
    # A Sales representative who only ever uses the API: pages must not accept the token.
    world.users[API_TOKEN] = UserFactory(
        username="matrix-token", role=Role.objects.get(name="Sales representative")
    )
    for principal, user in world.users.items():
        _, world.tokens[principal] = ApiToken.issue(user, "matrix")
    admin = world.users["Administrator"]
    Team.objects.filter(pk=team.pk).update(manager=admin)

    r = world.records
    contact = ContactFactory(owner=admin, team=team)
    company = CompanyFactory(owner=admin, team=team)
    r["contact"], r["company"] = contact.pk, company.pk
    duplicate = ContactFactory(owner=admin, team=team)
    r["merge"] = contact_services.merge_contacts(contact, duplicate, user=admin).pk
    trashed = ContactFactory(owner=admin, team=team)
    r["trashed_contact"] = contact_services.soft_delete_contact(trashed, user=admin).pk
    r["entry"] = TimelineEntryFactory(
        contact=contact,
        author=admin,
        recording=ContentFile(wav_bytes(), name="call.wav"),
        recording_content_type="audio/wav",
    ).pk
    r["task"] = TaskFactory(assignee=admin, created_by=admin).pk
    r["lead"] = LeadFactory(owner=admin, team=team).pk
    r["lead_rule"] = AssignmentRuleFactory(assign_user=admin).pk
    r["scoring_rule"] = ScoringRuleFactory().pk
    lead_form = LeadFormFactory()
    r["lead_form"], r["lead_form_key"] = lead_form.pk, lead_form.key
    r["product"] = ProductFactory(category=ProductCategoryFactory()).pk
    r["price_list"] = PriceListFactory().pk
    r["order"] = OrderFactory(contact=contact, owner=admin).pk
    pipeline = make_pipeline()
    r["pipeline"], r["stage"] = pipeline.pk, pipeline.stages.first().pk
    r["deal"] = DealFactory(owner=admin, contact=contact, pipeline=pipeline).pk
    r["quote"] = quotes.create_quote(
        user=admin,
        data={
            "contact": contact.pk,
            "lines": [{"description": "نصب", "unit_price": "5000000"}],
        },
    ).pk
    period = Period.current()
    r["target"] = forecast.set_target(
        period=period, amount=Decimal(1000), user_id=admin.pk, by=admin
    ).pk
    r["plan"] = CommissionPlan.objects.create(
        name="طرح ماتریس", rate=Decimal(2), effective_from=dt.date(2025, 1, 1)
    ).pk
    # Someone else's statement: nobody approves their own (a record-level rule, 403).
    seller = UserFactory(
        username="matrix-seller", role=Role.objects.get(name="Sales representative"), team=team
    )
    r["statement"] = commission_services.compute_statement(seller, period).pk
    # The portal customer has a ticket with an attachment; another customer has one too.
    customer = ContactFactory(owner=admin)
    EmailFactory(contact=customer, address="customer@example.com")
    world.customer = customer
    ticket = TicketFactory(contact=customer, assignee=admin)
    r["ticket"] = ticket.pk
    r["ticket_other"] = TicketFactory(contact=ContactFactory(owner=admin)).pk
    message = TicketMessage.objects.create(
        ticket=ticket, kind="customer", body="سلام", author_contact=customer
    )
    r["ticket_message"] = message.pk
    r["attachment"] = TicketAttachment.objects.create(
        ticket=ticket,
        message=message,
        file=ContentFile(b"hello", name="note.txt"),
        name="note.txt",
        content_type="text/plain; charset=utf-8",
        size=5,
    ).pk
    r["tier"] = SupportTierFactory().pk
    r["ticket_category"] = TicketCategoryFactory().pk
    r["ticket_rule"] = RoutingRuleFactory().pk
    calendar = calendars.default_calendar()
    r["calendar"] = calendar.pk
    r["holiday"] = calendars.add_holiday(calendar, date=dt.date(2031, 7, 7), name="روز ماتریس").pk
    r["policy"] = SlaPolicy.objects.create(
        name="Standard", first_response_minutes=60, resolution_minutes=240, calendar=calendar
    ).pk
    sla.start_clock(ticket)  # after the policy exists, so the ticket has an SLA clock
    raw = CsatSurvey.new_token()
    CsatSurvey.objects.create(
        ticket=ticket,
        token_hash=hash_csat_token(raw),
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    r["csat_token"] = raw
    r["article"] = make_article(author=admin, visibility=Visibility.PUBLIC).pk
    r["knowledge_category"] = ArticleCategoryFactory().pk
    # A personal canned response: its owner edits it; a shared one needs knowledge.change.
    r["canned"] = CannedResponseFactory(is_shared=False, owner=admin).pk
    r["canned_shared"] = CannedResponseFactory(is_shared=True).pk
    job = import_services.create_job(
        admin, ContentFile(b"name,mobile\nali,09121234567\n", name="people.csv")
    )
    job.failed_count = 1
    job.error_report = ContentFile(b"row,error\n1,bad\n", name="errors.csv")
    job.save()
    r["import_job"] = job.pk
    r["export"] = ExportFile.objects.create(
        user=admin,
        kind=ExportFile.Kind.LIST,
        list_code="contacts",
        format="csv",
        status=ExportFile.Status.DONE,
        file=ContentFile(b"name\n", name="contacts.csv"),
    ).pk
    r["token"] = ApiToken.objects.filter(user=admin).first().pk
    r["user"], r["team"], r["role"] = admin.pk, team.pk, admin.role_id
    return world
