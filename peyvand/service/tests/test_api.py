"""The /api/v1/service endpoints end to end: tickets and their actions, set-up CRUD, keyset
pages and bounded query counts."""

import pytest

from peyvand.service.models import RoutingRule, SupportTier, Ticket, TicketCategory

from .factories import ContactFactory, TeamFactory, TicketFactory, agent

pytestmark = pytest.mark.django_db

BASE = "/api/v1/service"


def test_open_read_reply_and_resolve_a_ticket(admin_api):
    contact = ContactFactory()
    created = admin_api.post(
        f"{BASE}/tickets",
        {
            "subject": "ورود به حساب ممکن نیست",
            "channel": "api",
            "contact_id": contact.pk,
            "tags": ["ورود"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    ticket_id = body["id"]
    assert body["reference"] == f"T-{ticket_id:06d}"
    assert (body["status"], body["tier"]["code"], body["tags"]) == ("new", "L1", ["ورود"])

    reply = admin_api.post(f"{BASE}/tickets/{ticket_id}/reply", {"body": "رمز را بازنشانی کنید"})
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    note = admin_api.post(f"{BASE}/tickets/{ticket_id}/note", {"body": "داخلی"})
    assert note.json()["kind"] == "note"
    messages = admin_api.get(f"{BASE}/tickets/{ticket_id}/messages").json()
    assert [m["kind"] for m in messages] == ["reply", "note"]

    resolved = admin_api.post(f"{BASE}/tickets/{ticket_id}/status", {"status": "resolved"})
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    bad = admin_api.post(f"{BASE}/tickets/{ticket_id}/status", {"status": "new"})
    assert bad.status_code == 422 and "status" in bad.json()["errors"]


def test_patch_assign_escalate_merge_link_split(admin_api):
    team = TeamFactory(name="فنی")
    worker = agent("worker", team=team)
    a = admin_api.post(f"{BASE}/tickets", {"subject": "a", "channel": "email"}).json()["id"]
    b = admin_api.post(f"{BASE}/tickets", {"subject": "b", "channel": "email"}).json()["id"]
    c = admin_api.post(f"{BASE}/tickets", {"subject": "c", "channel": "email"}).json()["id"]

    patched = admin_api.patch(f"{BASE}/tickets/{a}", {"priority": "urgent", "tags": ["x", "y"]})
    assert (patched.json()["priority"], patched.json()["tags"]) == ("urgent", ["x", "y"])

    assigned = admin_api.post(f"{BASE}/tickets/{a}/assign", {"user_id": worker.pk})
    assert assigned.json()["assignee"]["id"] == worker.pk
    assert assigned.json()["team"]["id"] == team.pk

    escalation = admin_api.post(f"{BASE}/tickets/{a}/escalate", {"reason": "نیاز به متخصص"})
    assert escalation.status_code == 201
    assert (escalation.json()["from_tier"], escalation.json()["to_tier"]) == ("L1", "L2")
    down = admin_api.post(f"{BASE}/tickets/{a}/escalate", {"direction": "down", "reason": "حل شد"})
    assert down.json()["to_tier"] == "L1"
    missing_reason = admin_api.post(f"{BASE}/tickets/{a}/escalate", {"reason": ""})
    assert missing_reason.status_code == 422

    linked = admin_api.post(f"{BASE}/tickets/{a}/related", {"ticket_id": c})
    assert linked.json()["related_ids"] == [c]
    assert admin_api.delete(f"{BASE}/tickets/{a}/related/{c}").status_code == 204

    admin_api.post(f"{BASE}/tickets/{b}/customer-message", {"body": "ایمیل دوم"})
    merged = admin_api.post(f"{BASE}/tickets/{a}/merge", {"duplicate_ids": [b]})
    assert merged.status_code == 200
    assert Ticket.objects.get(pk=b).merged_into_id == a
    customer_message = next(
        m for m in admin_api.get(f"{BASE}/tickets/{a}/messages").json() if m["kind"] == "customer"
    )
    assert customer_message["merged_from_id"] == b
    unknown = admin_api.post(f"{BASE}/tickets/{a}/merge", {"duplicate_ids": [999999]})
    assert unknown.status_code == 422

    split = admin_api.post(
        f"{BASE}/tickets/{a}/messages/{customer_message['id']}/split", {"subject": "جدا"}
    )
    assert split.status_code == 201 and split.json()["subject"] == "جدا"
    assert split.json()["related_ids"] == [a]


def test_setup_crud(admin_api):
    tier = admin_api.post(f"{BASE}/tiers", {"code": "L4", "name": "تأمین‌کننده", "level": 4})
    assert tier.status_code == 201
    dup = admin_api.post(f"{BASE}/tiers", {"code": "L4", "name": "x", "level": 5})
    assert dup.status_code == 422 and "code" in dup.json()["errors"]
    tier_id = tier.json()["id"]
    assert admin_api.patch(f"{BASE}/tiers/{tier_id}", {"name": "بیرونی"}).json()["name"] == "بیرونی"
    assert admin_api.delete(f"{BASE}/tiers/{tier_id}").status_code == 204
    l1 = SupportTier.objects.get(code="L1")
    TicketFactory(tier=l1)
    assert admin_api.delete(f"{BASE}/tiers/{l1.pk}").status_code == 422

    category = admin_api.post(f"{BASE}/categories", {"name": "مالی"}).json()
    child = admin_api.post(f"{BASE}/categories", {"name": "فاکتور", "parent_id": category["id"]})
    assert child.json()["parent_id"] == category["id"]
    loop = admin_api.patch(f"{BASE}/categories/{category['id']}", {"parent_id": child.json()["id"]})
    assert loop.status_code == 422

    team = TeamFactory(name="مالی")
    rule = admin_api.post(
        f"{BASE}/rules",
        {
            "name": "فاکتورها",
            "keywords": ["فاکتور"],
            "category_ids": [category["id"]],
            "set_team_id": team.pk,
            "strategy": "least_loaded",
        },
    )
    assert rule.status_code == 201, rule.content
    assert rule.json()["keywords"] == ["فاکتور"]
    nothing = admin_api.post(f"{BASE}/rules", {"name": "بی‌کار"})
    assert nothing.status_code == 422
    no_team = admin_api.post(f"{BASE}/rules", {"name": "x", "strategy": "round_robin"})
    assert no_team.status_code == 422 and "strategy" in no_team.json()["errors"]
    rule_id = rule.json()["id"]
    changed = admin_api.patch(f"{BASE}/rules/{rule_id}", {"set_priority": "high", "order": 7})
    assert (changed.json()["set_priority"], changed.json()["order"]) == ("high", 7)
    assert [r["id"] for r in admin_api.get(f"{BASE}/rules").json()] == [rule_id]
    assert admin_api.delete(f"{BASE}/rules/{rule_id}").status_code == 204
    assert not RoutingRule.objects.exists()
    assert TicketCategory.objects.count() == 2


def test_list_filters_and_keyset_pages(admin_api, django_assert_max_num_queries):
    team = TeamFactory(name="فنی")
    worker = agent("w", team=team)
    l2 = SupportTier.objects.get(code="L2")
    for i in range(7):
        TicketFactory(priority="high" if i % 2 else "low", assignee=worker, team=team, tier=l2)
    TicketFactory(status="closed")
    seen, cursor = [], None
    with django_assert_max_num_queries(12):
        page = admin_api.get(f"{BASE}/tickets", {"limit": 3, "priority": "high"}).json()
    while True:
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
        page = admin_api.get(
            f"{BASE}/tickets", {"limit": 3, "priority": "high", "cursor": cursor}
        ).json()
    assert len(seen) == len(set(seen)) == 3
    active = admin_api.get(f"{BASE}/tickets", {"status": "active"}).json()["items"]
    assert len(active) == 7
    assert len(admin_api.get(f"{BASE}/tickets", {"tier_id": l2.pk}).json()["items"]) == 7
    assert len(admin_api.get(f"{BASE}/tickets", {"assignee_id": worker.pk}).json()["items"]) == 7
    by_ref = admin_api.get(f"{BASE}/tickets", {"q": f"T-{seen[0]:06d}"}).json()["items"]
    assert [t["id"] for t in by_ref] == [seen[0]]
    api = admin_api
    assert len(api.get(f"{BASE}/tickets", {"queue": "unassigned"}).json()["items"]) == 0
