"""The leads pages: lists, my leads, the lead page, the call form, bulk actions, set-up."""

import datetime as dt

import pytest
from django.utils import timezone

from peyvand.contacts import services as contacts
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead, LeadForm, LeadStatus
from peyvand.leads.services import capture_lead
from peyvand.timeline.models import TimelineEntry

from .factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_list_reads_one_page_without_counting(admin_client, django_assert_max_num_queries):
    owner = UserFactory()
    for _ in range(60):
        LeadFactory(owner=owner, team=owner.team)
    with django_assert_max_num_queries(14):
        response = admin_client.get("/leads/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="ids"') == 50
    assert "cursor=" in page  # a "next page" link, no total


def test_list_filters(admin_client):
    hot = LeadFactory(band="hot", channel=Channel.INSTAGRAM)
    cold = LeadFactory(band="cold")
    page = admin_client.get("/leads/", {"band": "hot", "channel": "instagram"}).content.decode()
    assert hot.get_absolute_url() in page and cold.get_absolute_url() not in page
    # Unknown values are ignored rather than failing.
    assert admin_client.get("/leads/", {"status": "<script>", "owner": "x"}).status_code == 200
    assert admin_client.get("/leads/", {"cursor": "!!"}).status_code == 302


def test_my_leads_shows_overdue_then_new_first(client, rep):
    now = timezone.now()
    contacted = LeadFactory(
        owner=rep, status=LeadStatus.CONTACTED, first_contacted_at=now, last_name="زرین‌کلاه"
    )
    new = LeadFactory(owner=rep, last_name="نوبهاری")
    overdue = LeadFactory(
        owner=rep,
        last_name="دیرآمده",
        created_at=now - dt.timedelta(days=1),
        first_response_due_at=now - dt.timedelta(hours=1),
    )
    LeadFactory(owner=rep, status=LeadStatus.LOST, last_name="رفته‌ازدست")
    client.force_login(rep)
    page = client.get("/leads/mine/").content.decode()
    positions = [page.index(lead.last_name) for lead in (overdue, new, contacted)]
    assert positions == sorted(positions)
    assert "رفته‌ازدست" not in page


def test_the_lead_page_shows_history_and_actions(admin_client):
    lead = capture_lead(
        channel=Channel.WEBSITE,
        data=LeadInput.from_data({"name": "آرش", "phone": "09127770000", "message": "پیام تست"}),
    ).lead
    page = admin_client.get(lead.get_absolute_url()).content.decode()
    assert "پیام تست" in page
    assert f'action="/leads/{lead.pk}/status/"' in page
    assert f'action="/leads/{lead.pk}/interaction/"' in page


def test_logging_a_call_from_the_lead_page(admin_client):
    lead = LeadFactory()
    response = admin_client.post(
        f"/leads/{lead.pk}/interaction/",
        {
            "kind": "call",
            "direction": "outbound",
            "outcome": "answered",
            "duration_minutes": "3",
            "body": "صحبت شد",
        },
    )
    assert response.status_code == 302
    entry = TimelineEntry.objects.get(kind="call")
    assert entry.duration_seconds == 180 and entry.source == lead
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.first_contacted_at


def test_a_bad_interaction_shows_the_errors(admin_client):
    lead = LeadFactory()
    response = admin_client.post(
        f"/leads/{lead.pk}/interaction/", {"kind": "call", "direction": "", "outcome": ""}
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()


def test_losing_a_lead_needs_a_reason(admin_client):
    lead = LeadFactory()
    response = admin_client.post(f"/leads/{lead.pk}/status/", {"status": "lost"})
    assert response.status_code == 422
    response = admin_client.post(
        f"/leads/{lead.pk}/status/", {"status": "lost", "reason": "competitor"}
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.close_reason) == (LeadStatus.LOST, "competitor")


def test_the_call_form_is_prefilled_from_the_callers_number(admin_client, admin_user):
    contact = contacts.create_contact(
        user=admin_user,
        data=contacts.ContactInput(first_name="یاسمن", last_name="رحیمی", phones=["09128889900"]),
    )
    page = admin_client.get("/leads/call/", {"phone": "۰۹۱۲۸۸۸۹۹۰۰"}).content.decode()
    assert 'value="یاسمن رحیمی"' in page
    assert contact.get_absolute_url() in page
    partial = admin_client.get("/leads/call/lookup/", {"phone": "0912 888 9900"}).content.decode()
    assert contact.get_absolute_url() in partial
    new_caller = admin_client.get("/leads/call/lookup/", {"phone": "09120000000"}).content.decode()
    assert "تماس‌گیرندهٔ جدید" in new_caller


def test_an_agent_saves_a_new_lead_from_a_call(client):
    agent = UserFactory(role__name="Sales representative")
    client.force_login(agent)
    response = client.post(
        "/leads/call/",
        {
            "phone": "09126665544",
            "name": "کوروش پاکزاد",
            "channel": "phone",
            "product": "ERP",
            "assign_to_me": "on",
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert (lead.channel, lead.owner, lead.created_by, lead.product) == (
        Channel.PHONE,
        agent,
        agent,
        "ERP",
    )


def test_the_call_form_reports_a_bad_number(admin_client):
    response = admin_client.post("/leads/call/", {"phone": "0912", "name": "x", "channel": "phone"})
    assert response.status_code == 422
    assert not Lead.objects.exists()


def test_bulk_assign_and_bulk_status(admin_client):
    team = TeamFactory()
    rep = UserFactory(team=team)
    leads = [LeadFactory() for _ in range(3)]
    response = admin_client.post(
        "/leads/bulk/",
        {
            "action": "assign",
            "ids": [leads[0].pk, leads[1].pk],
            "assign-user": rep.pk,
            "next": "/leads/mine/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/leads/mine/"
    assert [Lead.objects.get(pk=lead.pk).owner for lead in leads] == [rep, rep, None]
    admin_client.post(
        "/leads/bulk/",
        {
            "action": "status",
            "ids": [lead.pk for lead in leads],
            "status-status": "unqualified",
            "status-reason": "spam",
        },
    )
    assert set(Lead.objects.values_list("status", flat=True)) == {"unqualified"}
    assert (
        admin_client.post("/leads/bulk/", {"action": "status", "next": "https://evil.example/"})[
            "Location"
        ]
        == "/leads/"
    )


def test_designing_a_web_form_gives_its_code(admin_client):
    response = admin_client.post(
        "/leads/forms/new/",
        {
            "name": "فرم صفحهٔ اول",
            "is_active": "on",
            "channel": "website",
            "language": "fa",
            "use_name": "on",
            "required_name": "on",
            "use_phone": "on",
            "required_phone": "on",
            "use_product": "on",
            "label_product": "به چه محصولی علاقه دارید؟",
            "consent_text": "قوانین را می‌پذیرم",
        },
    )
    form = LeadForm.objects.get()
    assert response.status_code == 302
    assert form.fields == [
        {"field": "name", "required": True},
        {"field": "phone", "required": True},
        {"field": "product", "required": False, "label": "به چه محصولی علاقه دارید؟"},
    ]
    page = admin_client.get(f"/leads/forms/{form.pk}/").content.decode()
    assert f"/leads/f/{form.key}/submit" in page
    assert "fetch(form.action" in page  # the JavaScript variant
    assert "به چه محصولی علاقه دارید؟" in page


def test_a_form_must_ask_for_a_way_to_reply(admin_client):
    response = admin_client.post(
        "/leads/forms/new/",
        {"name": "بی‌تماس", "channel": "website", "language": "fa", "use_name": "on"},
    )
    assert response.status_code == 422
    assert not LeadForm.objects.exists()


def test_rotating_the_key_retires_the_old_one(admin_client):
    form = LeadForm.objects.create(name="x", fields=[{"field": "email", "required": True}])
    old = form.key
    admin_client.post(f"/leads/forms/{form.pk}/rotate-key/")
    form.refresh_from_db()
    assert form.key != old
    assert admin_client.get(f"/leads/f/{old}/").status_code == 404


def test_the_pages_speak_persian_and_english(client):
    fa = UserFactory(role__name="Manager", language="fa")
    en = UserFactory(role__name="Manager", language="en")
    LeadFactory(status=LeadStatus.NEW)
    client.force_login(fa)
    persian = client.get("/leads/").content.decode()
    assert 'dir="rtl"' in persian and "سرنخ‌ها" in persian and "جدید" in persian
    client.force_login(en)
    english = client.get("/leads/").content.decode()
    assert 'dir="ltr"' in english and "Leads" in english and "New" in english


@pytest.mark.parametrize(
    "url",
    [
        "/leads/rules/new/",
        "/leads/scoring/",
        "/leads/scoring/new/",
        "/leads/forms/",
        "/leads/forms/new/",
        "/leads/import/event/",
        "/leads/reports/funnel/",
        "/leads/call/",
        "/leads/mine/",
    ],
)
def test_every_page_renders(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_the_rule_editor_saves_conditions(admin_client):
    team = TeamFactory()
    response = admin_client.post(
        "/leads/rules/new/",
        {
            "name": "شمال",
            "is_active": "on",
            "provinces": "گیلان، مازندران",
            "channels": ["instagram", "telegram"],
            "assign_team": team.pk,
            "strategy": "least_open",
            "first_response_minutes": "20",
        },
    )
    assert response.status_code == 302
    from peyvand.leads.models import AssignmentRule

    rule = AssignmentRule.objects.get()
    assert rule.provinces == ["گیلان", "مازندران"]
    assert rule.channels == ["instagram", "telegram"]
    assert rule.first_response_minutes == 20
    page = admin_client.get("/leads/rules/").content.decode()
    assert "گیلان" in page and "شمال" in page
    bad = admin_client.post(
        "/leads/rules/new/", {"name": "x", "strategy": "round_robin", "first_response_minutes": "5"}
    )
    assert bad.status_code == 422


def test_the_lead_page_does_not_query_per_timeline_entry(
    admin_client, admin_user, django_assert_max_num_queries
):
    from peyvand.leads.services import log_interaction

    lead = LeadFactory(owner=admin_user)
    for i in range(12):
        log_interaction(lead, user=UserFactory(), kind="note", body=f"یادداشت {i}")
    with django_assert_max_num_queries(20):
        assert admin_client.get(lead.get_absolute_url()).status_code == 200
