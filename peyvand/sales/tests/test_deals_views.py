"""Deal pages: board, list, deal page, won/lost, permissions, query bounds, rotting, the contact
panel, lead conversion and search."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peyvand.accounts.models import ModuleSharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel
from peyvand.leads.services import capture_lead, convert_lead, qualify
from peyvand.sales import services
from peyvand.sales.models import Deal, DealStatus, StageChange
from peyvand.search.models import SearchEntry
from peyvand.timeline.services import record_entry

from .factories import DealFactory, LostReasonFactory, make_pipeline, stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return make_pipeline()


def test_board_shows_open_deals_with_column_totals(rep_client, rep, pipeline):
    first = stages(pipeline)[0]
    DealFactory(
        pipeline=pipeline, stage=first, owner=rep, title="سامانه انبار", amount=Decimal(1000)
    )
    DealFactory(pipeline=pipeline, stage=first, owner=rep, status=DealStatus.WON, title="بسته")
    response = rep_client.get(f"/sales/board/{pipeline.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "سامانه انبار" in html and "بسته" not in html
    assert f'data-stage="{first.pk}"' in html
    assert "Sortable.min.js" in html


def test_board_query_count_does_not_grow_with_deals(rep_client, rep, pipeline):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def board_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = rep_client.get(f"/sales/board/{pipeline.pk}/")
        assert response.status_code == 200
        return len(captured)

    open_stages = [s for s in stages(pipeline) if s.kind == "open"]
    for stage in open_stages[:4]:
        DealFactory(pipeline=pipeline, stage=stage, owner=rep)
    board_queries()  # the first request of a session also fills per-user caches
    few = board_queries()
    for stage in open_stages[:4]:
        for _ in range(14):
            DealFactory(pipeline=pipeline, stage=stage, owner=rep)
    assert board_queries() == few
    # Stages, totals, then each open column's first cards from the board index.
    assert few <= 11 + len(open_stages)
    response = rep_client.get(f"/sales/board/{pipeline.pk}/")
    assert response.content.decode().count("data-move-url") == 60


def test_list_query_count_is_bounded(rep_client, rep, pipeline, django_assert_max_num_queries):
    for _ in range(30):
        DealFactory(pipeline=pipeline, owner=rep)
    with django_assert_max_num_queries(12):
        response = rep_client.get("/sales/deals/?status=open&owner=me")
    assert response.status_code == 200
    assert "Next page" in response.content.decode() or "صفحه" in response.content.decode()


def test_drag_and_drop_endpoint_moves_and_returns_totals(rep_client, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    second = stages(pipeline)[1]
    response = rep_client.post(f"/sales/deals/{deal.pk}/move/", {"stage": second.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["deal"]["stage"] == second.pk
    assert {c["stage"]: c["count"] for c in body["columns"]}[second.pk] == 1
    assert StageChange.objects.filter(deal=deal, to_stage=second).exists()


def test_drag_to_stage_with_missing_fields_is_refused_with_a_message(rep_client, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, amount=Decimal(0))
    response = rep_client.post(f"/sales/deals/{deal.pk}/move/", {"stage": stages(pipeline)[2].pk})
    assert response.status_code == 400
    assert "amount" in response.json()["errors"]
    assert response.json()["detail"]
    deal.refresh_from_db()
    assert deal.stage == stages(pipeline)[0]


def test_deal_page_with_history_products_and_timeline(rep_client, rep, pipeline):
    deal = services.create_deal(
        user=rep,
        data=services.DealInput(
            title="تمدید قرارداد",
            contact=ContactFactory(owner=rep),
            pipeline=pipeline,
            lines=[{"name": "پشتیبانی طلایی", "quantity": "1", "unit_price": "9000000"}],
        ),
    )
    services.move_deal(deal, stages(pipeline)[1], user=rep)
    services.add_deal_note(deal, user=rep, body="مشتری پیش‌فاکتور خواست")
    response = rep_client.get(f"/sales/deals/{deal.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("تمدید قرارداد", "پشتیبانی طلایی", "نیازسنجی", "مشتری پیش‌فاکتور خواست"):
        assert text in html


def test_won_and_lost_from_the_deal_page(rep_client, rep, pipeline):
    reason = LostReasonFactory(name="بودجه ندارد")
    a = DealFactory(pipeline=pipeline, owner=rep)
    b = DealFactory(pipeline=pipeline, owner=rep)
    rep_client.post(f"/sales/deals/{a.pk}/won/")
    rep_client.post(f"/sales/deals/{b.pk}/lost/", {"reason": reason.pk, "note": "سال بعد"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == DealStatus.WON
    assert (b.status, b.lost_reason, b.lost_note) == (DealStatus.LOST, reason, "سال بعد")


def test_create_deal_page_shows_errors_next_to_fields(rep_client, rep, pipeline):
    response = rep_client.post(
        "/sales/deals/new/", {"title": "", "amount": "abc", "currency": "IRR"}
    )
    assert response.status_code == 200
    assert not Deal.objects.exists()
    html = response.content.decode()
    assert html.count('class="error"') >= 2


def test_create_deal_page_with_jalali_date(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    response = rep_client.post(
        "/sales/deals/new/",
        {
            "title": "خرید سرور",
            "contact": contact.pk,
            "amount": "۲۵٬۰۰۰٬۰۰۰",
            "currency": "IRT",
            "expected_close": "۱۴۰۳/۰۵/۱۲",
            "pipeline": pipeline.pk,
        },
    )
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.amount, deal.currency) == (Decimal(25_000_000), "IRT")
    assert deal.expected_close == dt.date(2024, 8, 2)


def test_permissions_403_and_404(client, readonly_user, no_role_user, pipeline):
    owner = UserFactory()
    deal = DealFactory(pipeline=pipeline, owner=owner)
    client.force_login(no_role_user)
    assert client.get("/sales/deals/").status_code == 403
    assert client.get(f"/sales/board/{pipeline.pk}/").status_code == 403
    client.force_login(readonly_user)
    assert client.get(f"/sales/deals/{deal.pk}/").status_code == 200
    assert client.post(f"/sales/deals/{deal.pk}/won/").status_code == 403
    assert client.post(f"/sales/deals/{deal.pk}/move/", {"stage": 1}).status_code == 403
    assert client.get("/sales/setup/pipelines/new/").status_code == 403
    ModuleSharing.objects.update_or_create(module="deals", defaults={"scope": "hierarchy"})
    assert client.get(f"/sales/deals/{deal.pk}/").status_code == 404


def test_rotting_after_stage_days_and_activity_resets_it(rep_client, rep, pipeline):
    first = stages(pipeline)[0]
    first.rotting_days = 3
    first.save()
    contact = ContactFactory(owner=rep)
    old = timezone.now() - dt.timedelta(days=5)
    stale = DealFactory(
        pipeline=pipeline, stage=first, owner=rep, contact=contact, last_activity_at=old
    )
    fresh = DealFactory(pipeline=pipeline, stage=first, owner=rep)
    assert stale.is_rotting() and not fresh.is_rotting()
    html = rep_client.get("/sales/deals/rotting/").content.decode()
    assert stale.title in html and fresh.title not in html
    # A call with the customer is activity on their open deals.
    record_entry(kind="call", contact=contact, author=rep, body="پیگیری")
    stale.refresh_from_db()
    assert not stale.is_rotting()
    html = rep_client.get("/sales/deals/rotting/").content.decode()
    assert stale.title not in html


def test_task_on_deal_is_activity(rep, pipeline):
    from django.contrib.contenttypes.models import ContentType

    from peyvand.tasks.models import Task

    deal = DealFactory(
        pipeline=pipeline, owner=rep, last_activity_at=timezone.now() - dt.timedelta(days=40)
    )
    Task.objects.create(
        title="تماس", related_type=ContentType.objects.get_for_model(Deal), related_id=deal.pk
    )
    deal.refresh_from_db()
    assert deal.days_idle() == 0


def test_contact_page_has_deals_panel(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    DealFactory(pipeline=pipeline, owner=rep, contact=contact, title="پروژه شبکه")
    response = rep_client.get(contact.get_absolute_url())
    assert response.status_code == 200
    assert "پروژه شبکه" in response.content.decode()


def test_converting_a_lead_with_create_deal_opens_a_deal(admin_user, pipeline):
    pipeline.is_default = True
    type(pipeline).objects.exclude(pk=pipeline.pk).update(is_default=False)
    pipeline.save()
    data = LeadInput.from_data({"name": "مریم کاظمی", "phone": "09121112233", "product": "CRM"})
    lead = capture_lead(channel=Channel.WEBSITE, data=data, source={"utm_campaign": "bahar"}).lead
    lead.owner = admin_user
    lead.save()
    qualify(lead, user=admin_user)
    contact = convert_lead(
        lead, user=admin_user, create_deal=True, deal_input={"amount": "5000000"}
    )
    deal = Deal.objects.get()
    assert (deal.contact, deal.source_lead, deal.pipeline) == (contact, lead, pipeline)
    assert deal.amount == Decimal(5_000_000) and deal.source_campaign == "bahar"
    assert deal.owner == admin_user


def test_lead_conversion_with_bad_deal_input_converts_nothing(admin_user, pipeline):
    data = LeadInput.from_data({"name": "رضا نوری", "phone": "09121112244"})
    lead = capture_lead(channel=Channel.WEBSITE, data=data).lead
    qualify(lead, user=admin_user)
    with pytest.raises(ValidationError):
        convert_lead(lead, user=admin_user, create_deal=True, deal_input={"amount": "-1"})
    lead.refresh_from_db()
    assert lead.status != "converted" and not Deal.objects.exists()


def test_deals_are_searchable(rep, pipeline):
    deal = services.create_deal(
        user=rep,
        data=services.DealInput(
            title="استقرار نرم‌افزار", contact=ContactFactory(), pipeline=pipeline
        ),
    )
    entry = SearchEntry.objects.get(kind="deal", object_id=deal.pk)
    assert entry.owner_id == rep.pk


def test_pipeline_settings_page_saves_stages(admin_client, pipeline):
    existing = stages(pipeline)
    data = {
        "name": "فروش پروژه",
        "rotting_days": "10",
        "currency": "IRR",
        "is_default": "",
        "is_active": "on",
        "stages-TOTAL_FORMS": str(len(existing)),
        "stages-INITIAL_FORMS": str(len(existing)),
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for index, stage in enumerate(existing):
        data.update(
            {
                f"stages-{index}-id": stage.pk,
                f"stages-{index}-name": stage.name,
                f"stages-{index}-probability": stage.probability,
                f"stages-{index}-kind": stage.kind,
                f"stages-{index}-ORDER": len(existing) - index
                if stage.kind == "open"
                else index + 10,
            }
        )
    data["stages-0-required_fields"] = ["expected_close"]
    response = admin_client.post(f"/sales/setup/pipelines/{pipeline.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    names = [s.name for s in stages(pipeline)]
    assert names[:4] == [s.name for s in reversed(existing[:4])]
    assert stages(pipeline)[3].required_fields == ["expected_close"]


def test_lost_reasons_settings(admin_client):
    response = admin_client.post("/sales/setup/lost-reasons/", {"name": "تحریم", "is_active": "on"})
    assert response.status_code == 302
    html = admin_client.get("/sales/setup/lost-reasons/").content.decode()
    assert "تحریم" in html


def test_move_json_has_no_html_on_bad_stage(rep_client, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    response = rep_client.post(f"/sales/deals/{deal.pk}/move/", {"stage": "x"})
    assert response.status_code == 400
    assert json.loads(response.content)["errors"]["stage"]


def test_pages_render_in_english_and_persian(admin_client, admin_user, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=admin_user)
    assert admin_client.get("/sales/").status_code == 302
    urls = [
        f"/sales/board/{pipeline.pk}/",
        "/sales/deals/",
        "/sales/deals/rotting/",
        f"/sales/deals/{deal.pk}/",
        f"/sales/deals/{deal.pk}/edit/",
        "/sales/deals/new/",
        "/sales/setup/pipelines/",
        "/sales/setup/pipelines/new/",
        f"/sales/setup/pipelines/{pipeline.pk}/",
        "/sales/setup/lost-reasons/",
    ]
    for language, direction, word in (("fa", "rtl", "معامله"), ("en", "ltr", "Deal")):
        admin_user.language = language
        admin_user.save()
        for url in urls:
            response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert f'dir="{direction}"' in html and word in html, (url, language)
