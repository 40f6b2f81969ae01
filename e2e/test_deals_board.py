"""The deals board in a real browser: drag a card to another stage and it stays there."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from peyvand.sales.models import Deal, StageChange
from peyvand.sales.roles import DEAL_GRANTS
from peyvand.sales.tests.factories import DealFactory, make_pipeline, stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dragging_a_card_to_another_stage_saves_the_move(sign_in, live_server, admin_user):
    role = admin_user.role
    role.permissions = {**role.permissions, **DEAL_GRANTS["Administrator"]}
    role.save()
    pipeline = make_pipeline()
    first, second, *_ = stages(pipeline)
    deal = DealFactory(pipeline=pipeline, stage=first, owner=admin_user, title="قرارداد نگهداری")

    page = sign_in(admin_user)
    page.goto(live_server.url + reverse("sales:board", args=[pipeline.pk]))
    card = page.locator(f".deal-card[data-id='{deal.pk}']")
    target = page.locator(f".board-cards[data-stage='{second.pk}']")
    expect(card).to_be_visible()

    card_box = card.bounding_box()
    target_box = target.bounding_box()
    page.mouse.move(card_box["x"] + 20, card_box["y"] + 12)
    page.mouse.down()
    page.mouse.move(card_box["x"] + 30, card_box["y"] + 20, steps=5)
    page.mouse.move(target_box["x"] + target_box["width"] / 2, target_box["y"] + 30, steps=20)
    page.mouse.up()

    expect(target.locator(f".deal-card[data-id='{deal.pk}']")).to_be_visible()
    column = page.locator(f".board-column[data-stage='{second.pk}'] [data-count]")
    expect(column).to_have_text("۱")
    page.wait_for_function("() => !document.querySelector('.deal-card.saving')")
    deal.refresh_from_db()
    assert deal.stage_id == second.pk
    assert StageChange.objects.filter(deal=deal, to_stage=second, changed_by=admin_user).exists()

    page.reload()
    expect(
        page.locator(f".board-cards[data-stage='{second.pk}'] .deal-card[data-id='{deal.pk}']")
    ).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage == second
