import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Sum

from peyvand.accounts.models import User
from peyvand.commerce.models import Order, OrderLine
from peyvand.contacts.models import Company, Contact, Phone
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.core.national_ids import is_valid_national_id
from peyvand.core.phones import normalize_phone
from peyvand.demo import bench_data
from peyvand.leads.models import Lead
from peyvand.sales.models import Deal, DealStatus
from peyvand.sales.services import lines_amount
from peyvand.search.models import SearchEntry
from peyvand.search.selectors import search
from peyvand.search.services import rebuild_index
from peyvand.service.models import Ticket
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.registry import interaction_kinds

pytestmark = pytest.mark.django_db

ANCHOR = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
SIZE = bench_data.BenchSize.scaled(200)


def seed(tmp_path, *, flush: bool = False, seed: int = 7) -> bench_data.BenchResult:
    return bench_data.seed(
        SIZE, seed=seed, flush=flush, anchor=ANCHOR, fixture_path=tmp_path / "fixture.json"
    )


def snapshot() -> dict:
    return {
        "contacts": list(
            Contact.objects.order_by("pk").values_list(
                "pk", "first_name", "last_name", "primary_phone", "primary_email",
                "owner__username", "created_at", "last_contacted_at", "national_id",
            )
        ),
        "entries": list(
            TimelineEntry.objects.order_by("pk").values_list(
                "pk", "kind", "contact_id", "occurred_at", "body"
            )
        ),
        "orders": list(Order.objects.order_by("pk").values_list("number", "contact_id", "total")),
        "deals": list(Deal.objects.order_by("pk").values_list("title", "stage_id", "amount")),
        "search": list(SearchEntry.objects.order_by("kind", "object_id").values_list("terms")),
    }  # fmt: skip


def test_the_same_seed_writes_the_same_data(tmp_path):
    seed(tmp_path)
    first = snapshot()

    seed(tmp_path, flush=True)
    assert snapshot() == first

    seed(tmp_path, flush=True, seed=8)
    assert snapshot()["contacts"] != first["contacts"]


def test_counts_follow_the_sizes_and_denormalised_columns_agree(tmp_path):
    result = seed(tmp_path)

    assert SIZE.companies == 40 and SIZE.deals == 2 and SIZE.tasks == 100
    assert Contact.objects.count() == 200 and Company.objects.count() == 40
    assert Order.objects.count() == 200 and Ticket.objects.count() == 20
    assert Task.objects.count() == 100 and Lead.objects.count() == 20
    assert TimelineEntry.objects.count() == result.counts["timeline_entries"] == 1000
    assert User.objects.filter(username__startswith=bench_data.USER_PREFIX).count() >= 50
    english = Contact.objects.filter(first_name__regex=r"^[A-Za-z]").count()
    assert 10 <= english <= 60  # ~15%

    # Every deal is open, in the pipeline the fixture names, with the lines' total as amount.
    assert set(Deal.objects.values_list("status", "pipeline_id").distinct()) == {
        (DealStatus.OPEN, result.pipeline_id)
    }
    for deal in Deal.objects.prefetch_related("lines"):
        if deal.lines.all():
            assert deal.amount == lines_amount(list(deal.lines.all()), "IRR", {})
    # Orders add up their lines.
    sums = OrderLine.objects.values("order").annotate(t=Sum("total"))
    totals = dict(Order.objects.values_list("pk", "total"))
    assert all(totals[row["order"]] == row["t"] for row in sums) and len(sums) == 200
    # Primary phone/email and last contact are what the child rows and timeline say.
    contact = Contact.objects.get(pk=result.hero_contact_id)
    assert contact.primary_phone == Phone.objects.get(contact=contact, is_primary=True).number
    assert normalize_phone(contact.primary_phone) == contact.primary_phone
    assert contact.primary_email == contact.emails.get().address
    latest = TimelineEntry.objects.filter(contact=contact, kind__in=interaction_kinds()).aggregate(
        m=Max("occurred_at")
    )["m"]
    assert contact.last_contacted_at == latest
    ids = Contact.objects.exclude(national_id="").values_list("national_id", flat=True)
    assert ids and all(is_valid_national_id(code) for code in ids)
    assert len(set(ids)) == len(ids)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def test_the_hero_has_200_entries_and_the_fixture_describes_the_data(tmp_path):
    result = seed(tmp_path)

    fixture = json.loads((tmp_path / "fixture.json").read_text(encoding="utf-8"))
    assert fixture["hero_contact_id"] == result.hero_contact_id
    assert TimelineEntry.objects.filter(contact_id=fixture["hero_contact_id"]).count() == 200
    hero = Contact.objects.get(pk=fixture["hero_contact_id"])
    assert hero.orders.exists() and hero.deals.exists() and hero.tickets.exists()
    assert Deal.objects.filter(pipeline_id=fixture["pipeline_id"], status="open").count() == 2
    assert fixture["counts"]["contacts"] == 200
    assert fixture["users"]["password"] == bench_data.PASSWORD
    assert User.objects.get(username=fixture["users"]["rep"]).check_password(bench_data.PASSWORD)


def test_search_finds_seeded_records_as_the_indexer_would_write_them(tmp_path):
    result = seed(tmp_path)
    samples = result.search_samples
    admin = User.objects.get(username=bench_data.ADMIN_USERNAME)

    def found(query: str) -> set[tuple[str, int]]:
        return {(hit.kind, hit.object_id) for hit in search(admin, query, limit=50)}

    hero = ("contact", result.hero_contact_id)
    assert hero in found(samples["hero_name"])
    assert hero in found(samples["hero_name_arabic_keyboard"])  # ك/ي typed: still found
    assert hero in found(samples["phone_national"])
    assert hero in found(samples["email"])
    assert ("contact", result.hero_contact_id) in {
        (h.kind, h.object_id)
        for h in search(admin, samples["phone_suffix"], kinds=["contact"], limit=50)
    }
    assert found(samples["name_prefix_arabic_keyboard"])
    assert found(samples["english_name"])

    # Complete and identical to what the apps' indexers write.
    kinds = list(bench_data.SEARCH_KINDS)
    by_kind = dict(
        SearchEntry.objects.filter(kind__in=kinds)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert by_kind == {
        "contact": 200, "company": 40, "order": 200, "deal": 2, "ticket": 20, "lead": 20,
    }  # fmt: skip
    rows = lambda: set(  # noqa: E731
        SearchEntry.objects.filter(kind__in=kinds).values_list(
            "kind", "object_id", "terms", "title", "subtitle", "url", "owner_id", "team_id"
        )
    )
    seeded = rows()
    rebuild_index(kinds)
    assert rows() == seeded


def test_refuses_a_database_with_records(tmp_path):
    ContactFactory()

    with pytest.raises(bench_data.BenchDataExists):
        seed(tmp_path)
    with pytest.raises(CommandError, match="--flush"):
        call_command("seed_bench", "--contacts", "200", stdout=StringIO())
    assert Contact.objects.count() == 1

    seed(tmp_path, flush=True)
    assert Contact.objects.count() == 200


def test_command_prints_the_hero_and_writes_the_fixture(tmp_path):
    out = StringIO()
    path = tmp_path / "bench.json"
    call_command(
        "seed_bench", "--contacts", "100", "--orders", "30", "--deals", "5", "--fixture",
        str(path), "--seed", "3", stdout=out,
    )  # fmt: skip

    assert "Hero contact id: 1 (200 timeline entries)" in out.getvalue()
    assert Order.objects.count() == 30 and Deal.objects.count() == 5
    assert json.loads(path.read_text(encoding="utf-8"))["seed"] == 3
    assert Order.objects.aggregate(t=Sum("total"))["t"] > Decimal(0)
