"""Deals from an old CRM or a spreadsheet (issue 6): the "deals" import target.

Pipeline, stage and lost reason are found by name, the owner by username or e-mail, the
customer by national ID, phone or e-mail (an existing contact) or by company name. Each deal is
written by `services.create_deal` (and `move_deal` into a won or lost stage), so the same rules
apply as on the board: required fields of the stage, amounts, currency. External ids are
remembered: importing the file again updates the same deals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peyvand.commerce.import_target import find_customer, find_owner
from peyvand.contacts.models import Company
from peyvand.core.persian import search_key
from peyvand.imports import registry
from peyvand.imports.registry import (
    CREATED,
    FILL,
    SKIP,
    SKIPPED,
    UPDATED,
    CleanRow,
    ImportField,
    ImportRow,
    JobContext,
    RecordByRecordTarget,
    RowOutcome,
)

from . import services
from .models import DEALS, Currency, Deal, LostReason, Pipeline, StageKind
from .selectors import default_pipeline

CODE = "deals"
_CURRENCY_WORDS = (
    *Currency.choices,
    (Currency.IRR, "ریال"),
    (Currency.IRT, "تومان"),
    (Currency.USD, "دلار"),
    (Currency.EUR, "یورو"),
    (Currency.AED, "درهم"),
)
# Deal fields an import sets and undo puts back.
_DEAL_FIELDS = ("title", "amount", "currency", "expected_close", "owner", "contact", "company")

FIELDS = (
    registry.external_id_field(),
    ImportField(
        "title",
        gettext_lazy("Deal title"),
        required=True,
        aliases=(
            "title",
            "deal",
            "deal name",
            "name",
            "عنوان",
            "عنوان معامله",
            "معامله",
            "نام معامله",
        ),
        max_length=200,
    ),
    ImportField(
        "pipeline",
        gettext_lazy("Pipeline"),
        aliases=("pipeline", "قیف", "قیف فروش", "خط لوله"),
        help=gettext_lazy("By name; empty = the default pipeline."),
    ),
    ImportField(
        "stage",
        gettext_lazy("Stage"),
        aliases=("stage", "deal stage", "مرحله", "مرحله معامله"),
        help=gettext_lazy(
            "By name; empty = the pipeline's first stage. Won or lost stages close the deal."
        ),
    ),
    ImportField(
        "lost_reason",
        gettext_lazy("Lost reason"),
        aliases=("lost reason", "reason", "دلیل از دست رفتن", "علت شکست", "دلیل"),
    ),
    ImportField(
        "amount",
        gettext_lazy("Amount"),
        registry.MONEY,
        aliases=("amount", "value", "deal value", "مبلغ", "ارزش", "ارزش معامله", "مبلغ معامله"),
    ),
    ImportField(
        "currency",
        gettext_lazy("Currency"),
        registry.CHOICE,
        aliases=("currency", "واحد پول", "ارز"),
        choices=_CURRENCY_WORDS,
    ),
    ImportField(
        "expected_close",
        gettext_lazy("Expected close date"),
        registry.DATE,
        aliases=(
            "expected close",
            "close date",
            "expected close date",
            "تاریخ بستن",
            "تاریخ پیش بینی بستن",
            "تاریخ مورد انتظار",
            "تاریخ قرارداد",
        ),
    ),
    ImportField(
        "owner",
        gettext_lazy("Owner (username or email)"),
        aliases=("owner", "salesperson", "rep", "مسئول", "کارشناس فروش", "فروشنده"),
    ),
    ImportField(
        "customer_national_id",
        gettext_lazy("Customer national ID"),
        registry.NATIONAL_ID,
        aliases=("national id", "national code", "کد ملی", "کدملی"),
    ),
    ImportField(
        "customer_phone",
        gettext_lazy("Customer phone"),
        registry.PHONE,
        aliases=("phone", "mobile", "تلفن", "موبایل", "تلفن همراه", "شماره تماس"),
    ),
    ImportField(
        "customer_email",
        gettext_lazy("Customer email"),
        registry.EMAIL,
        aliases=("email", "e-mail", "ایمیل", "رایانامه"),
    ),
    ImportField(
        "company",
        gettext_lazy("Company"),
        aliases=("company", "organization", "شرکت", "سازمان", "نام شرکت"),
        help=gettext_lazy("An existing company, by its name."),
    ),
    ImportField(
        "source_campaign",
        gettext_lazy("Campaign"),
        aliases=("campaign", "source", "کمپین", "منبع"),
        max_length=200,
    ),
)


def _by_name(queryset, name: str):
    """The one record whose name matches `name` after Persian/case folding (None if 0 or 2+)."""
    key = search_key(name)
    found = [obj for obj in queryset if search_key(obj.name) == key]
    return found[0] if len(found) == 1 else None


class DealTarget(RecordByRecordTarget):
    code = CODE
    label = gettext_lazy("Deals")
    module = DEALS
    fields = FIELDS
    match_keys = ("external_id",)
    description = gettext_lazy(
        "One deal per row: title, customer (a contact by national ID, phone or email, or a "
        "company by name), pipeline and stage by name, amount, owner."
    )

    # -- cleaning ------------------------------------------------------------------------------
    def clean_row(self, values: dict[str, str]) -> CleanRow:
        row = super().clean_row(values)
        v = row.values
        refs = self.resolve(v, row)
        if not row.ok:
            return row
        # The deal itself is checked by the sales service's own rules, on an unsaved deal.
        errors: dict[str, list[str]] = {}
        deal = Deal(pipeline=refs["pipeline"], stage=refs["open_stage"])
        services._apply(deal, _deal_input(v, refs), errors, creating=True)
        for name, messages in errors.items():
            for message in messages:
                row.add_error(name if name in {f.name for f in FIELDS} else "__all__", message)
        return row

    def resolve(self, v: dict[str, Any], row: CleanRow | None = None) -> dict[str, Any]:
        """Pipeline, stages, owner, customer and lost reason of a clean row (reads only)."""

        def error(name: str, message: str) -> None:
            if row is not None:
                row.add_error(name, message)

        refs: dict[str, Any] = {
            "contact": None,
            "company": None,
            "owner": None,
            "lost_reason": None,
        }
        pipeline = default_pipeline()
        if v.get("pipeline"):
            pipeline = _by_name(Pipeline.objects.filter(is_active=True), v["pipeline"])
            if pipeline is None:
                error("pipeline", _("No active pipeline has this name."))
        elif pipeline is None:
            error("pipeline", _("Create a pipeline first."))
        stage = None
        if pipeline is not None and v.get("stage"):
            stage = _by_name(pipeline.stages.all(), v["stage"])
            if stage is None:
                error(
                    "stage",
                    _("The pipeline %(pipeline)s has no stage with this name.")
                    % {"pipeline": pipeline.name},
                )
        open_stage = stage if stage is None or stage.kind == StageKind.OPEN else None
        if pipeline is not None and open_stage is None:
            open_stage = services.first_open_stage(pipeline)
        refs.update(pipeline=pipeline, stage=stage, open_stage=open_stage)
        if v.get("owner"):
            refs["owner"] = find_owner(v["owner"])
            if refs["owner"] is None:
                error("owner", _("No active user has this username or email."))
        contact, ambiguous = find_customer(v)
        if ambiguous:
            error(
                "customer_phone",
                _("Several contacts have this phone, email or national ID; use the national ID."),
            )
        elif contact is None and any(
            v.get(k) for k in ("customer_national_id", "customer_phone", "customer_email")
        ):
            error("customer_phone", _("No contact has this national ID, phone or email."))
        refs["contact"] = contact
        if v.get("company"):
            refs["company"] = _by_name(Company.objects.alive(), v["company"])
            if refs["company"] is None:
                error("company", _("No company has this name (or several do)."))
        if stage is not None and stage.kind == StageKind.LOST:
            reasons = LostReason.objects.filter(is_active=True)
            if v.get("lost_reason"):
                refs["lost_reason"] = _by_name(reasons, v["lost_reason"])
                if refs["lost_reason"] is None:
                    error("lost_reason", _("No lost reason has this name."))
            elif reasons.exists():
                error("lost_reason", _("Choose why the deal was lost."))
        return refs

    # -- writing -------------------------------------------------------------------------------
    model = Deal
    duplicate_message = gettext_lazy("Same deal as row %(row)d.")

    def write_row(
        self, row: ImportRow, existing: Deal | None, context: JobContext, mode: str
    ) -> RowOutcome:
        check = CleanRow()
        refs = self.resolve(row.values, check)
        if not check.ok:
            raise ValidationError(check.errors)
        data = _deal_input(row.values, refs)
        if existing is not None:
            if mode == SKIP:
                return RowOutcome(
                    row.number, SKIPPED, existing.pk, message=_("Imported before; skipped.")
                )
            given = data.given()
            given.pop("pipeline", None)
            given.pop("stage", None)
            previous: dict[str, Any] = {}
            changes: dict[str, Any] = {}
            for name, value in given.items():
                if name not in _DEAL_FIELDS or value in (None, ""):
                    continue
                current = getattr(existing, name)
                if mode == FILL and current not in (None, "", 0):
                    continue
                if current != value:
                    previous[name] = registry.snapshot(current)
                    changes[name] = value
            if not changes:
                return RowOutcome(
                    row.number, SKIPPED, existing.pk, message=_("Already up to date.")
                )
            deal = services.update_deal(
                existing, user=context.user, data=services.DealInput(**changes)
            )
            return RowOutcome(row.number, UPDATED, deal.pk, previous=previous)
        deal = services.create_deal(user=context.user, data=data)
        target = refs["stage"]
        if target is not None and target.kind != StageKind.OPEN:
            deal = services.move_deal(
                deal, target, user=context.user, lost_reason=refs["lost_reason"]
            )
        return RowOutcome(row.number, CREATED, deal.pk)

    # -- undo ----------------------------------------------------------------------------------
    def blockers(self, ids: Sequence[int]) -> list[str]:
        return registry.referenced_by(Deal, ids, own=("lines", "stage_changes"))

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        for deal in Deal.objects.filter(pk__in=list(created_ids)):
            services.delete_deal(deal, user=None)
        for deal in Deal.objects.filter(pk__in=list(restored)):
            previous = {k: v for k, v in restored[deal.pk].items() if k in _DEAL_FIELDS}
            if previous:
                services.update_deal(deal, user=None, data=services.DealInput(**previous))

    def object_url(self, object_id: int) -> str | None:
        return reverse("sales:deal", args=[object_id])


def _deal_input(v: dict[str, Any], refs: dict[str, Any]) -> services.DealInput:
    data = services.DealInput(title=v.get("title") or "")
    if refs.get("pipeline") is not None:
        data.pipeline = refs["pipeline"]
    if refs.get("open_stage") is not None:
        data.stage = refs["open_stage"]
    for name in ("contact", "company", "owner"):
        if refs.get(name) is not None:
            setattr(data, name, refs[name])
    for name in ("amount", "currency", "expected_close", "source_campaign"):
        if v.get(name) not in (None, ""):
            setattr(data, name, v[name])
    return data


TARGET = DealTarget()
