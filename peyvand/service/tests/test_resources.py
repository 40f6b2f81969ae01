"""Knowledge used on tickets: linking articles, inserting canned responses (rendered safely for
the ticket), recorded once per ticket; the ticket page's panel; the API; report figures."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.signals import pre_save
from django.utils import timezone

from peyvand.accounts.models import Role
from peyvand.accounts.services import set_module_sharing
from peyvand.knowledge import services as knowledge
from peyvand.knowledge.models import Article, ArticleStatus, CannedResponse
from peyvand.knowledge.roles import KNOWLEDGE_GRANTS
from peyvand.service import resources
from peyvand.service.models import ResourceUse, TicketResource

from .factories import (
    ContactFactory,
    RoleFactory,
    TeamFactory,
    TicketCategoryFactory,
    TicketFactory,
    UserFactory,
    agent,
)

pytestmark = pytest.mark.django_db


def _add_knowledge_grants(sender, instance, **kwargs):
    grants = KNOWLEDGE_GRANTS.get(instance.name)
    if grants:
        permissions = {m: list(a) for m, a in (instance.permissions or {}).items()}
        for module, actions in grants.items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        instance.permissions = permissions


@pytest.fixture(autouse=True)
def _default_roles_have_knowledge_grants():
    pre_save.connect(_add_knowledge_grants, sender=Role, dispatch_uid="kb-service-test-grants")
    yield
    pre_save.disconnect(sender=Role, dispatch_uid="kb-service-test-grants")


def _article(title="راهنمای تنظیم مودم", status=ArticleStatus.PUBLISHED, **extra) -> Article:
    return knowledge.save_article(
        None,
        user=None,
        title=title,
        body="مودم را خاموش و روشن کنید.",
        language="fa",
        status=status,
        visibility="internal",
        **extra,
    )


def _canned(
    body="سلام {{customer.first_name}} عزیز، درخواست {{ticket.reference}} بررسی شد.\n"
    "{{agent.name}}",
    **extra,
) -> CannedResponse:
    return CannedResponse.objects.create(
        title=extra.pop("title", "پاسخ بررسی"), body=body, language="fa", **extra
    )


@pytest.fixture
def support():
    return agent("support", first_name="سارا", last_name="رضایی")


@pytest.fixture
def ticket(support):
    contact = ContactFactory(first_name="مریم", last_name="احمدی")
    return TicketFactory(contact=contact, assignee=support, subject="اینترنت قطع است")


# --- Services -------------------------------------------------------------------------------


def test_linking_an_article_records_it_once(ticket, support):
    article = _article()
    first, created = resources.link_article(ticket, article, user=support)
    again, created_again = resources.link_article(ticket, article, user=agent("other"))
    assert created and not created_again and first.pk == again.pk
    assert TicketResource.objects.filter(ticket=ticket).count() == 1
    assert again.used_by == support and again.kind == ResourceUse.LINKED


def test_sending_a_linked_article_upgrades_the_record(ticket, support):
    article = _article()
    resources.link_article(ticket, article, user=support)
    use, created = resources.link_article(ticket, article, user=support, kind="inserted")
    assert not created and use.kind == ResourceUse.INSERTED


def test_drafts_cannot_be_linked(ticket, support):
    draft = _article(status=ArticleStatus.DRAFT)
    with pytest.raises(ValidationError):
        resources.link_article(ticket, draft, user=support)
    assert not TicketResource.objects.exists()


def test_using_a_canned_response_renders_it_for_the_ticket_and_records_it_once(ticket, support):
    canned = _canned()
    rendered = resources.use_canned_response(ticket, canned, user=support)
    assert rendered.text == (f"سلام مریم عزیز، درخواست {ticket.reference} بررسی شد.\nسارا رضایی")
    assert rendered.complete
    resources.use_canned_response(ticket, canned, user=support)
    use = TicketResource.objects.get(ticket=ticket)
    assert use.canned_response == canned and use.kind == ResourceUse.INSERTED


def test_canned_text_is_never_run_as_a_template(ticket, support):
    ticket.contact.first_name = "{{agent.name}}{% debug %}"
    ticket.contact.save()
    canned = _canned(body="{% load i18n %}{{ settings.SECRET_KEY }} {{customer.first_name}}")
    rendered = resources.use_canned_response(ticket, canned, user=support)
    assert rendered.text == "{% load i18n %}{{ settings.SECRET_KEY }} {{agent.name}}{% debug %}"
    assert rendered.unknown == ["settings.SECRET_KEY"]


def test_placeholders_without_a_value_are_left_and_reported(support):
    anonymous = TicketFactory(assignee=support, requester_name="")
    rendered = resources.use_canned_response(anonymous, _canned(), user=support)
    assert "{{customer.first_name}}" in rendered.text
    assert rendered.missing == ["customer.first_name"]


def test_requester_name_fills_the_customer_placeholders(support):
    walk_in = TicketFactory(assignee=support, requester_name="رضا کریمی")
    rendered = resources.render_canned_response(
        walk_in, _canned(body="{{customer.first_name}} / {{customer.full_name}}"), user=support
    )
    assert rendered.text == "رضا / رضا کریمی"


def test_inactive_or_someone_elses_personal_responses_cannot_be_used(ticket, support):
    retired = _canned(is_active=False)
    personal = _canned(is_shared=False, owner=agent("colleague"), title="شخصی")
    for canned in (retired, personal):
        with pytest.raises(ValidationError):
            resources.use_canned_response(ticket, canned, user=support)
    assert not TicketResource.objects.exists()


def test_using_resources_needs_ticket_change_permission(ticket):
    reader = UserFactory(role__name="Read only")
    with pytest.raises(PermissionDenied):
        resources.link_article(ticket, _article(), user=reader)


def test_resources_used_on_tickets_cannot_be_deleted(ticket, support):
    article, canned = _article(), _canned()
    resources.link_article(ticket, article, user=support)
    resources.use_canned_response(ticket, canned, user=support)
    with pytest.raises(ValidationError):
        knowledge.delete_article(article)
    with pytest.raises(ValidationError):
        knowledge.delete_canned_response(canned)
    assert Article.objects.filter(pk=article.pk).exists()


# --- Reports --------------------------------------------------------------------------------


def test_top_articles_counts_tickets_and_how_many_were_solved(support):
    modem, router_ = _article("مودم"), _article("روتر")
    solved = [TicketFactory(assignee=support, status="resolved") for _ in range(2)]
    open_ = TicketFactory(assignee=support)
    for t in [*solved, open_]:
        resources.link_article(t, modem, user=support)
    resources.link_article(open_, router_, user=support)
    stats = resources.top_articles(resources.last_days(7))
    assert [(s.title, s.tickets, s.resolved) for s in stats] == [("مودم", 3, 2), ("روتر", 1, 0)]
    assert stats[0].url == modem.get_absolute_url()
    old = resources.last_days(7, now=timezone.now() - timezone.timedelta(days=30))
    assert resources.top_articles(old) == []


def test_top_articles_can_be_limited_to_the_tickets_a_user_sees(support):
    article = _article()
    mine = TicketFactory(assignee=support)
    others = TicketFactory(assignee=agent("x"))
    for t in (mine, others):
        resources.link_article(t, article, user=support)
    from peyvand.service.models import Ticket

    only_mine = Ticket.objects.filter(assignee=support)
    assert resources.top_articles(resources.last_days(1), tickets=only_mine)[0].tickets == 1


def test_resources_by_category_shows_what_solves_which_problem(support):
    network = TicketCategoryFactory(name="شبکه")
    billing = TicketCategoryFactory(name="مالی")
    modem, canned = _article("مودم"), _canned(title="پیگیری پرداخت")
    resources.link_article(TicketFactory(category=network, assignee=support), modem, user=support)
    resources.use_canned_response(
        TicketFactory(category=billing, assignee=support), canned, user=support
    )
    groups = {
        g["category"]: g["resources"]
        for g in resources.resources_by_category(resources.last_days(1))
    }
    assert [r["title"] for r in groups["شبکه"]] == ["مودم"]
    assert [(r["kind"], r["title"]) for r in groups["مالی"]] == [
        ("canned_response", "پیگیری پرداخت")
    ]


def test_canned_usage_report(ticket, support):
    canned = _canned()
    resources.use_canned_response(ticket, canned, user=support)
    stats = resources.top_canned_responses(resources.last_days(1))
    assert [(s.id, s.tickets) for s in stats] == [(canned.pk, 1)]


# --- Ticket page panel ----------------------------------------------------------------------


def test_panel_lists_searches_links_and_inserts(client, ticket, support):
    article = _article("قطعی اینترنت خانگی")
    canned = _canned()
    client.force_login(support)
    htmx = {"HX-Request": "true"}
    panel = client.get(f"/service/tickets/{ticket.pk}/resources/", headers=htmx)
    assert panel.status_code == 200 and canned.title in panel.content.decode()

    found = client.get(
        f"/service/tickets/{ticket.pk}/resources/search/", {"q": "اينترنت"}, headers=htmx
    ).content.decode()
    assert article.get_absolute_url() in found

    linked = client.post(
        f"/service/tickets/{ticket.pk}/resources/link/", {"article_id": article.pk}, headers=htmx
    )
    assert linked.status_code == 200 and article.title in linked.content.decode()

    inserted = client.post(
        f"/service/tickets/{ticket.pk}/resources/canned/",
        {"canned_response_id": canned.pk},
        headers=htmx,
    )
    event = json.loads(inserted["HX-Trigger"])["peyvand:insert-reply"]
    assert event["text"].startswith("سلام مریم عزیز") and event["warnings"] == []
    assert TicketResource.objects.filter(ticket=ticket).count() == 2


def test_panel_bad_input_is_a_422_with_a_message(client, ticket, support):
    client.force_login(support)
    htmx = {"HX-Request": "true"}
    for data in ({"article_id": "abc"}, {"article_id": "99999"}):
        response = client.post(f"/service/tickets/{ticket.pk}/resources/link/", data, headers=htmx)
        assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    response = client.post(
        f"/service/tickets/{ticket.pk}/resources/canned/", {"canned_response_id": ""}, headers=htmx
    )
    assert response.status_code == 422
    assert not TicketResource.objects.exists()


def test_panel_permissions(client, ticket):
    set_module_sharing("tickets", "team")
    outsider = agent("outsider", team=TeamFactory())
    client.force_login(outsider)
    url = f"/service/tickets/{ticket.pk}/resources/"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    no_knowledge = UserFactory(
        username="nokb",
        role=RoleFactory(name="Tickets only", permissions={"tickets": ["change", "view"]}),
    )
    client.force_login(no_knowledge)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 403


def test_panel_is_read_only_without_ticket_change(client, ticket, support):
    resources.link_article(ticket, _article(), user=support)
    reader = UserFactory(role__name="Read only")
    client.force_login(reader)
    page = client.get(
        f"/service/tickets/{ticket.pk}/resources/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "راهنمای تنظیم مودم" in page and "resources/link/" not in page
    assert client.post(
        f"/service/tickets/{ticket.pk}/resources/link/",
        {"article_id": 1},
        headers={"HX-Request": "true"},
    ).status_code in (403, 422)
    assert TicketResource.objects.count() == 1


# --- API ------------------------------------------------------------------------------------


def test_api_link_list_render_and_unlink(api_for, ticket, support):
    api = api_for(support)
    article, canned = _article(), _canned()
    created = api.post(
        "/api/v1/service/resources/link", {"ticket_id": ticket.pk, "article_id": article.pk}
    )
    assert created.status_code == 201 and created.json()["type"] == "article"
    again = api.post(
        "/api/v1/service/resources/link", {"ticket_id": ticket.pk, "article_id": article.pk}
    )
    assert again.status_code == 200

    preview = api.post(
        "/api/v1/service/resources/render",
        {"ticket_id": ticket.pk, "canned_response_id": canned.pk},
    ).json()
    assert preview["text"].startswith("سلام مریم") and preview["recorded"] is False
    assert TicketResource.objects.filter(canned_response=canned).count() == 0
    api.post(
        "/api/v1/service/resources/render",
        {"ticket_id": ticket.pk, "canned_response_id": canned.pk, "record": True},
    )
    listed = api.get("/api/v1/service/resources", {"ticket_id": ticket.pk}).json()
    assert [(r["type"], r["kind"]) for r in listed] == [
        ("article", "linked"),
        ("canned_response", "inserted"),
    ]
    assert api.delete(f"/api/v1/service/resources/link/{ticket.pk}/{article.pk}").status_code == 204
    assert api.delete(f"/api/v1/service/resources/link/{ticket.pk}/{article.pk}").status_code == 404


def test_api_bad_input_and_permissions(api_for, ticket, support):
    api = api_for(support)
    response = api.post("/api/v1/service/resources/link", {"ticket_id": ticket.pk, "article_id": 0})
    assert response.status_code == 422 and "article_id" in response.json()["errors"]
    response = api.post("/api/v1/service/resources/link", {"ticket_id": ticket.pk})
    assert response.status_code == 422
    draft = _article(status=ArticleStatus.DRAFT)
    response = api.post(
        "/api/v1/service/resources/link", {"ticket_id": ticket.pk, "article_id": draft.pk}
    )
    assert response.status_code == 422
    assert (
        api.post(
            "/api/v1/service/resources/link", {"ticket_id": 999999, "article_id": draft.pk}
        ).status_code
        == 404
    )
    reader = api_for(UserFactory(role__name="Read only"))
    response = reader.post(
        "/api/v1/service/resources/link", {"ticket_id": ticket.pk, "article_id": _article("x").pk}
    )
    assert response.status_code == 403
    assert not TicketResource.objects.exists()


def test_the_partial_for_the_ticket_page_loads_the_panel_for_readers_of_the_knowledge_base(
    ticket,
):
    from django.template.loader import render_to_string

    html = render_to_string(
        "service/ticket_resources_panel.html",
        {"ticket": ticket, "PERMS": {"knowledge": ["view"]}},
    )
    assert f'hx-get="/service/tickets/{ticket.pk}/resources/"' in html
    assert "ticket_resources.js" in html
    assert (
        render_to_string(
            "service/ticket_resources_panel.html", {"ticket": ticket, "PERMS": {}}
        ).strip()
        == ""
    )
