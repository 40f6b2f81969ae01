"""Run inside Django (`python -m peyvand_bench.discover [fixture.json]`): print, as JSON, the
records and terms the scenarios use. Values from the seeder's fixture file win; the rest are
looked up in the data so the harness also works on any other data set (e.g. the demo data)."""

from __future__ import annotations

import json
import sys

import django

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Typed the way an Arabic keyboard layout writes them: the index must fold these.
ARABIC_VARIANTS = str.maketrans({"ی": "ي", "ک": "ك"})


def _first(fixture: dict, *keys: str):
    for key in keys:
        value = fixture.get(key)
        if value not in (None, ""):
            return value
        search = fixture.get("search_terms") or fixture.get("search") or {}
        if isinstance(search, dict) and search.get(key) not in (None, ""):
            return search[key]
    return None


def discover(fixture: dict) -> dict:
    from django.db.models import Count

    from peyvand.contacts.models import Contact, Email, Phone
    from peyvand.sales.models import Deal
    from peyvand.timeline.models import TimelineEntry

    out: dict = {"from_fixture": sorted(fixture)}
    out["contacts"] = Contact.objects.count()

    hero = _first(fixture, "hero_contact_id", "hero_contact", "hero")
    if isinstance(hero, dict):
        hero = hero.get("id")
    if hero is None:
        row = (
            TimelineEntry.objects.filter(contact__isnull=False)
            .values("contact_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        hero = (
            row["contact_id"]
            if row
            else Contact.objects.order_by("id").values_list("id", flat=True).first()
        )
    out["hero_contact_id"] = hero
    out["hero_timeline_entries"] = TimelineEntry.objects.filter(contact_id=hero).count()

    ids = Contact.objects.order_by("id").values_list("id", flat=True)
    out["middle_contact_id"] = ids[out["contacts"] // 2] if out["contacts"] else hero

    owner = _first(fixture, "owner_id", "filter_owner_id")
    stage = _first(fixture, "stage", "filter_stage")
    if owner is None or stage is None:
        row = (
            Contact.objects.exclude(owner__isnull=True)
            .values("owner_id", "lifecycle_stage")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if row:
            owner, stage = row["owner_id"], row["lifecycle_stage"]
    out["filter_owner_id"], out["filter_stage"] = owner, stage

    pipeline = _first(fixture, "pipeline_id", "kanban_pipeline_id", "pipeline")
    if isinstance(pipeline, dict):
        pipeline = pipeline.get("id")
    if pipeline is None:
        row = (
            Deal.objects.filter(status="open")
            .values("pipeline_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        pipeline = row["pipeline_id"] if row else None
    out["pipeline_id"] = pipeline
    out["pipeline_open_deals"] = (
        Deal.objects.filter(pipeline_id=pipeline, status="open").count() if pipeline else 0
    )

    name = _first(fixture, "name_prefix_arabic_keyboard", "name_prefix", "persian_name_prefix")
    if name is None:
        first = (
            Contact.objects.filter(first_name__regex=r"^.{0,3}[یک]")
            .order_by("id")
            .values_list("first_name", flat=True)
            .first()
        )
        if first:
            cut = max(i for i, ch in enumerate(first[:4]) if ch in "یک") + 1
            name = first[: max(cut, 3)]
    out["name_prefix"] = name.translate(ARABIC_VARIANTS) if name else None

    phone = _first(fixture, "phone_suffix", "phone")
    if phone is None:
        number = (
            Phone.objects.filter(contact_id=hero).values_list("number", flat=True).first()
            or Phone.objects.order_by("id").values_list("number", flat=True).first()
        )
        phone = number[-4:] if number else None
    out["phone_suffix"] = str(phone)[-4:].translate(PERSIAN_DIGITS) if phone else None

    email = _first(fixture, "email")
    if email is None:
        email = (
            Email.objects.filter(contact_id=hero).values_list("address", flat=True).first()
            or Email.objects.order_by("id").values_list("address", flat=True).first()
        )
    out["email"] = email
    return out


def main() -> None:
    django.setup()
    fixture = {}
    if len(sys.argv) > 1 and sys.argv[1]:
        with open(sys.argv[1], encoding="utf-8") as f:
            fixture = json.load(f)
    print(json.dumps(discover(fixture), ensure_ascii=False))


if __name__ == "__main__":
    main()
