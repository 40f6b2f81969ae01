"""Every write to pipelines and deals goes through here: deals (create, edit, move on the board,
win, lose, reopen), activity (rotting), and pipeline/stage/lost-reason set-up. Pages, the API
and the lead-conversion hook call these functions; they raise ValidationError({field: [msg]})."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team, User
from peyvand.commerce import services as commerce
from peyvand.commerce.models import ORDERS, Order, OrderSource, OrderStatus
from peyvand.contacts.models import Company, Contact
from peyvand.core.dates import InvalidDate, parse_date
from peyvand.core.money import format_money
from peyvand.core.persian import normalize_text, to_latin_digits

from . import signals
from .models import (
    DEAL_REQUIRED_FIELDS,
    DEALS,
    MONEY_DIGITS,
    Currency,
    Deal,
    DealProduct,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)
from .selectors import deal_order, default_pipeline

# Room between two cards' positions: a card dropped between them takes the midpoint, so a
# column is renumbered only after ~16 drops into the same gap.
POSITION_GAP = 1 << 16
MAX_LINES = 200
_MAX_AMOUNT = Decimal(10) ** (MONEY_DIGITS - 2)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()
# Relations are checked by the services themselves (loaded objects); full_clean skips them.
_RELATIONS = [
    "contact",
    "company",
    "owner",
    "team",
    "source_lead",
    "pipeline",
    "stage",
    "lost_reason",
    "created_by",
]


@dataclass
class LineInput:
    """One product line. With `product` (a commerce.Product or its id), an empty name and a
    missing unit price are taken from the catalogue."""

    name: str = ""
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)
    product: Any = None


@dataclass
class DealInput:
    """What create_deal/update_deal accept; fields left UNSET are not changed (update) or take
    their default (create). Relations may be given as objects or primary keys."""

    title: Any = UNSET
    contact: Any = UNSET
    company: Any = UNSET
    amount: Any = UNSET
    currency: Any = UNSET
    expected_close: Any = UNSET
    owner: Any = UNSET
    team: Any = UNSET
    pipeline: Any = UNSET
    stage: Any = UNSET
    source_lead: Any = UNSET
    source_campaign: Any = UNSET
    lines: Any = UNSET  # list[LineInput]

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not UNSET
        }


@dataclass
class StageInput:
    name: str
    probability: int = 0
    kind: str = StageKind.OPEN
    required_fields: list[str] = field(default_factory=list)
    rotting_days: int | None = None
    id: int | None = None


# --- Small helpers ------------------------------------------------------------------------


def _actor(user: User | None) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


def parse_money(value: Any, *, field_name: str = "amount") -> Decimal:
    """Decimal from a Decimal, int or numeric string (Persian digits and separators allowed).

    Floats are refused: they cannot hold rial amounts exactly."""
    if isinstance(value, bool | float):
        raise ValidationError({field_name: [_("Enter the amount as a number, e.g. 1500000.")]})
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        text = to_latin_digits(str(value or "")).strip()
        text = text.replace(",", "").replace("\u066c", "").replace("\u066b", ".").replace(" ", "")
        if not text:
            return Decimal(0)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError({field_name: [_("Enter a valid amount.")]}) from None
    if not amount.is_finite():
        raise ValidationError({field_name: [_("Enter a valid amount.")]})
    if amount < 0:
        raise ValidationError({field_name: [_("The amount cannot be negative.")]})
    if amount >= _MAX_AMOUNT:
        raise ValidationError({field_name: [_("The amount is too large.")]})
    if amount.as_tuple().exponent < -2:
        raise ValidationError({field_name: [_("Use at most two decimal places.")]})
    return amount


def _get(model, value, field_name: str, errors: dict, queryset=None):
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    qs = queryset if queryset is not None else model._default_manager.all()
    try:
        return qs.get(pk=int(value))
    except (TypeError, ValueError, model.DoesNotExist):
        errors.setdefault(field_name, []).append(_("Choose a valid option."))
        return None


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def first_open_stage(pipeline: Pipeline) -> Stage | None:
    return pipeline.stages.filter(kind=StageKind.OPEN).order_by("order", "id").first()


def _stage_of_kind(pipeline: Pipeline, kind: str) -> Stage | None:
    return pipeline.stages.filter(kind=kind).order_by("order", "id").first()


def missing_required_fields(deal: Deal, stage: Stage) -> list[str]:
    """Codes of the stage's required fields the deal has not filled in yet."""
    missing = []
    for code in stage.required_fields or []:
        if code == "amount":
            ok = deal.amount is not None and deal.amount > 0
        elif code == "expected_close":
            ok = deal.expected_close is not None
        elif code in ("contact", "company", "owner"):
            ok = getattr(deal, f"{code}_id") is not None
        elif code == "products":
            ok = deal.pk is not None and deal.lines.exists()
        else:
            ok = True
        if not ok:
            missing.append(code)
    return missing


def check_stage_rules(deal: Deal, stage: Stage) -> None:
    """Refuse entry into `stage` while any of its required fields is empty."""
    missing = missing_required_fields(deal, stage)
    if not missing:
        return
    errors: dict[str, list[str]] = {}
    for code in missing:
        errors[code] = [
            _("Fill in “%(field)s” before moving the deal to “%(stage)s”.")
            % {"field": DEAL_REQUIRED_FIELDS[code], "stage": stage.name}
        ]
    raise ValidationError(errors)


def _record(deal: Deal, kind: str, *, user, subject: str = "", body: str = "", data=None):
    """A deal event on its customer's timeline (contact and/or company)."""
    from peyvand.timeline.services import record_entry

    if deal.contact_id is None and deal.company_id is None:
        return None
    return record_entry(
        kind=kind,
        contact=deal.contact,
        company=deal.company,
        author=_actor(user),
        subject=subject[:200],
        body=body,
        source=deal,
        data={"deal": deal.pk, **(data or {})},
    )


def reindex(deal: Deal) -> None:
    from peyvand.search.services import index_document

    from .search_index import deal_document

    index_document("deal", deal.pk, deal_document(deal))


# --- Positions on the board ---------------------------------------------------------------


def _column(stage: Stage, exclude_id: int | None):
    qs = Deal.objects.filter(stage=stage, status=DealStatus.OPEN)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs


def _renumber(stage: Stage, exclude_id: int | None) -> None:
    rows = list(_column(stage, exclude_id).order_by("position", "id").values_list("pk", flat=True))
    for batch_start in range(0, len(rows), 500):
        batch = rows[batch_start : batch_start + 500]
        Deal.objects.bulk_update(
            [
                Deal(pk=pk, position=(batch_start + i + 1) * POSITION_GAP)
                for i, pk in enumerate(batch)
            ],
            ["position"],
        )


def _neighbours(stage, exclude_id, *, position, before_id) -> tuple[int | None, int | None]:
    """(position of the card above, position of the card below) where the deal will go."""
    column = _column(stage, exclude_id)
    if before_id:
        below = column.filter(pk=before_id).values_list("position", flat=True).first()
        if below is None:  # the card moved away meanwhile: go to the end
            return column.aggregate(m=Max("position"))["m"], None
        above = (
            column.filter(Q(position__lt=below) | Q(position=below, pk__lt=before_id))
            .order_by("-position", "-id")
            .values_list("position", flat=True)
            .first()
        )
        return above, below
    if position is None:  # new cards and plain moves go on top
        return None, column.aggregate(m=Min("position"))["m"]
    index = max(0, int(position))
    if index == 0:
        return None, column.order_by("position", "id").values_list("position", flat=True).first()
    around = list(
        column.order_by("position", "id").values_list("position", flat=True)[index - 1 : index + 1]
    )
    if not around:
        return column.aggregate(m=Max("position"))["m"], None
    return around[0], (around[1] if len(around) > 1 else None)


def _position_for(stage: Stage, exclude_id: int | None, *, position=None, before_id=None) -> int:
    for _attempt in range(2):
        above, below = _neighbours(stage, exclude_id, position=position, before_id=before_id)
        if above is None and below is None:
            return 0
        if above is None:
            return below - POSITION_GAP
        if below is None:
            return above + POSITION_GAP
        if below - above >= 2:
            return (above + below) // 2
        _renumber(stage, exclude_id)
    return (above or 0) + 1


# --- Deals --------------------------------------------------------------------------------


def _apply(deal: Deal, data: DealInput, errors: dict, *, creating: bool) -> list[LineInput] | None:
    given = data.given()
    if "title" in given or creating:
        title = normalize_text(given.get("title") or "")
        if not title:
            errors["title"] = [_("Give the deal a title.")]
        elif len(title) > 200:
            errors["title"] = [_("The title is too long; at most 200 characters.")]
        deal.title = title
    if "contact" in given:
        deal.contact = _get(Contact, given["contact"], "contact", errors)
        if deal.contact is not None and (deal.contact.merged_into_id or deal.contact.deleted_at):
            errors["contact"] = [_("This contact was merged or deleted.")]
    if "company" in given:
        deal.company = _get(Company, given["company"], "company", errors)
        if deal.company is not None and (deal.company.merged_into_id or deal.company.deleted_at):
            errors["company"] = [_("This company was merged or deleted.")]
    if "amount" in given:
        try:
            deal.amount = parse_money(given["amount"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "currency" in given or creating:
        currency = (given.get("currency") or "").upper() or (
            deal.pipeline.currency if deal.pipeline_id else Currency.IRR
        )
        if currency not in Currency.values:
            errors["currency"] = [_("Choose a valid currency.")]
        deal.currency = currency
    if "expected_close" in given:
        value = given["expected_close"]
        if value in (None, ""):
            deal.expected_close = None
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            deal.expected_close = value
        else:
            try:
                deal.expected_close = parse_date(str(value))
            except InvalidDate:
                errors["expected_close"] = [_("Enter a valid date.")]
    if "owner" in given:
        deal.owner = _get(
            User, given["owner"], "owner", errors, User.objects.filter(is_active=True)
        )
    if "team" in given:
        deal.team = _get(Team, given["team"], "team", errors)
    if "source_lead" in given:
        from peyvand.leads.models import Lead

        deal.source_lead = _get(Lead, given["source_lead"], "source_lead", errors)
    if "source_campaign" in given:
        deal.source_campaign = normalize_text(given["source_campaign"] or "")[:200]
    if deal.contact_id is None and deal.company_id is None and "contact" not in errors:
        errors["contact"] = [_("Link the deal to a contact or a company.")]
    lines = None
    if "lines" in given:
        lines = _clean_lines(given["lines"] or [], errors)
    return lines


def _clean_lines(lines: list, errors: dict) -> list[LineInput]:
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(max)s product lines.") % {"max": MAX_LINES}]
        return []
    cleaned = []
    for number, line in enumerate(lines, start=1):
        if isinstance(line, dict):
            line = LineInput(
                **{k: v for k, v in line.items() if k in LineInput.__dataclass_fields__}
            )
        product = None
        if line.product not in (None, ""):
            from peyvand.commerce.models import Product

            product = _get(Product, line.product, "lines", errors)
        name = normalize_text(line.name or (product.name if product else ""))[:200]
        unit_price = line.unit_price
        if unit_price in (None, "") and product is not None:
            unit_price = product.unit_price
        try:
            quantity = parse_money(line.quantity, field_name="lines")
            price = parse_money(unit_price or 0, field_name="lines")
            discount = parse_money(line.discount_percent, field_name="lines")
        except ValidationError:
            errors.setdefault("lines", []).append(
                _("Line %(n)s: enter valid numbers.") % {"n": number}
            )
            continue
        if not name:
            errors.setdefault("lines", []).append(
                _("Line %(n)s: name the product.") % {"n": number}
            )
        elif quantity <= 0:
            errors.setdefault("lines", []).append(
                _("Line %(n)s: the quantity must be more than zero.") % {"n": number}
            )
        elif discount > 100:
            errors.setdefault("lines", []).append(
                _("Line %(n)s: the discount is at most 100%%.") % {"n": number}
            )
        else:
            cleaned.append(LineInput(name, quantity, price, discount, product))
    return cleaned


def _save_lines(deal: Deal, lines: list[LineInput]) -> None:
    deal.lines.all().delete()
    DealProduct.objects.bulk_create(
        DealProduct(
            deal=deal,
            product=line.product,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            order=index,
        )
        for index, line in enumerate(lines)
    )


def create_deal(*, user: User | None, data: DealInput) -> Deal:
    """Open a deal in `data.stage` (default: the first open stage of the pipeline, default:
    the default pipeline). The stage's required fields must be filled in."""
    errors: dict[str, list[str]] = {}
    given = data.given()
    pipeline = _get(Pipeline, given.get("pipeline"), "pipeline", errors)
    stage = _get(Stage, given.get("stage"), "stage", errors)
    if stage is not None and pipeline is None:
        pipeline = stage.pipeline
    pipeline = pipeline or (default_pipeline() if "pipeline" not in errors else None)
    if pipeline is None and "pipeline" not in errors:
        errors["pipeline"] = [_("Create a pipeline first.")]
    if pipeline is not None and stage is None and "stage" not in errors:
        stage = first_open_stage(pipeline)
        if stage is None:
            errors["stage"] = [_("This pipeline has no open stage.")]
    if stage is not None and pipeline is not None:
        if stage.pipeline_id != pipeline.pk:
            errors["stage"] = [_("This stage belongs to another pipeline.")]
        elif stage.kind != StageKind.OPEN:
            errors["stage"] = [_("New deals start in an open stage; win or lose them afterwards.")]
    actor = _actor(user)
    deal = Deal(pipeline=pipeline, stage=stage, created_by=actor)
    if "owner" not in given:
        deal.owner = actor
    lines = _apply(deal, data, errors, creating=True)
    if "team" not in given and deal.owner is not None:
        deal.team_id = deal.owner.team_id
    if lines:
        deal.amount = deal.amount or lines_amount(lines, deal.currency, errors)
    _raise(errors)
    with transaction.atomic():
        now = timezone.now()
        deal.stage_entered_at = deal.last_activity_at = deal.created_at = now
        deal.position = _position_for(stage, None)
        deal.full_clean(exclude=_RELATIONS)
        deal.save()
        if lines:
            _save_lines(deal, lines)
        # After the lines are saved: "products" may be required. Raising rolls all back.
        check_stage_rules(deal, stage)
        StageChange.objects.create(
            deal=deal, to_stage=stage, to_stage_name=stage.name, changed_by=actor, changed_at=now
        )
        _record(deal, "deal_created", user=actor, subject=deal.title, data=_money_data(deal))
        reindex(deal)
    return deal


def lines_amount(lines: list[LineInput], currency: str, errors: dict) -> Decimal:
    """The lines' total by commerce's arithmetic (the one orders and invoices use), so a deal
    and the order made from it add up the same. Problems go to errors["lines"]."""
    from peyvand.commerce.services import compute_totals

    try:
        return compute_totals(
            (
                {
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount": line.quantity * line.unit_price * line.discount_percent / 100,
                }
                for line in lines
            ),
            currency=currency,
        ).total
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            parts = key.split(".")
            number = int(parts[1]) + 1 if len(parts) == 3 and parts[1].isdigit() else None
            for message in messages:
                errors.setdefault("lines", []).append(
                    _("Line %(n)s: %(error)s") % {"n": number, "error": message}
                    if number
                    else message
                )
        return Decimal(0)


def _money_data(deal: Deal) -> dict:
    return {"amount": str(deal.amount), "currency": deal.currency}


def update_deal(deal: Deal, *, user: User | None, data: DealInput) -> Deal:
    """Change the deal's details; the stage (and status) change only through move_deal."""
    with transaction.atomic():
        deal = (
            Deal.objects.select_for_update(of=("self",))
            .select_related("stage", "pipeline")
            .get(pk=deal.pk)
        )
        errors: dict[str, list[str]] = {}
        given = data.given()
        if "stage" in given or "pipeline" in given:
            errors["stage"] = [_("Move the deal on the board to change its stage.")]
        lines = _apply(deal, data, errors, creating=False)
        if lines and "amount" not in given:
            deal.amount = lines_amount(lines, deal.currency, errors)
        _raise(errors)
        if lines is not None:
            _save_lines(deal, lines)
        if deal.is_open:
            check_stage_rules(deal, deal.stage)
        deal.full_clean(exclude=_RELATIONS)
        deal.save()
        reindex(deal)
    return deal


def touch_deal(deal: Deal | int, when: dt.datetime | None = None) -> bool:
    """Activity on the deal: moves last_activity_at forward (never back), ending rotting."""
    when = when or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        return False
    pk = deal.pk if isinstance(deal, Deal) else int(deal)
    updated = Deal.objects.filter(pk=pk, last_activity_at__lt=when).update(last_activity_at=when)
    if updated and isinstance(deal, Deal):
        deal.last_activity_at = when
    return bool(updated)


def touch_customer_deals(*, contact_id: int | None, company_id: int | None, when) -> int:
    """An interaction with a customer is activity on every open deal of theirs."""
    if when is None or when > timezone.now() + dt.timedelta(minutes=5):
        return 0
    condition = Q()
    if contact_id:
        condition |= Q(contact_id=contact_id)
    if company_id:
        condition |= Q(company_id=company_id)
    if not condition:
        return 0
    return Deal.objects.filter(condition, status=DealStatus.OPEN, last_activity_at__lt=when).update(
        last_activity_at=when
    )


def _enter_stage(deal: Deal, stage: Stage, *, user, now) -> StageChange | None:
    previous = deal.stage
    if previous.pk == stage.pk:
        return None
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    change = StageChange.objects.create(
        deal=deal,
        from_stage=previous,
        to_stage=stage,
        from_stage_name=previous.name,
        to_stage_name=stage.name,
        changed_by=user,
        changed_at=now,
        seconds_in_previous=seconds,
    )
    deal.stage = stage
    deal.pipeline_id = stage.pipeline_id
    deal.stage_entered_at = now
    deal.last_activity_at = now
    return change


def _locked(deal: Deal) -> Deal:
    return (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "contact", "company")
        .get(pk=deal.pk)
    )


def move_deal(
    deal: Deal,
    stage: Stage,
    *,
    user: User | None,
    position: int | None = None,
    before_id: int | None = None,
    lost_reason: LostReason | int | None = None,
    lost_note: str = "",
) -> Deal:
    """Put the deal in `stage` (any pipeline's), at `position` (0-based index in the column)
    or in front of the card `before_id`; default: top of the column.

    Entering a won or lost stage wins or loses the deal; an open stage reopens a closed one.
    The stage's required fields must be filled in. Records the stage change and its time."""
    if stage.kind == StageKind.WON:
        return mark_won(deal, user=user, stage=stage)
    if stage.kind == StageKind.LOST:
        return mark_lost(deal, user=user, reason=lost_reason, note=lost_note, stage=stage)
    actor = _actor(user)
    with transaction.atomic():
        deal = _locked(deal)
        if not deal.is_open:
            return reopen_deal(deal, user=user, stage=stage, position=position, before_id=before_id)
        check_stage_rules(deal, stage)
        now = timezone.now()
        previous = deal.stage
        change = _enter_stage(deal, stage, user=actor, now=now)
        deal.position = _position_for(stage, deal.pk, position=position, before_id=before_id)
        deal.save()
        if change is not None:
            _record(
                deal,
                "deal_stage",
                user=actor,
                subject=deal.title,
                data={"from": previous.name, "to": stage.name},
            )
            signals.deal_stage_changed.send(
                sender=Deal, deal=deal, from_stage=previous, to_stage=stage, user=actor
            )
    return deal


def mark_won(deal: Deal, *, user: User | None, stage: Stage | None = None) -> Deal:
    """Win the deal; it moves to `stage` or the pipeline's first won stage if it has one."""
    actor = _actor(user)
    with transaction.atomic():
        deal = _locked(deal)
        if deal.status == DealStatus.WON and (stage is None or stage.pk == deal.stage_id):
            return deal
        target = stage or _stage_of_kind(deal.pipeline, StageKind.WON)
        if target is not None:
            if target.kind != StageKind.WON:
                raise ValidationError({"stage": [_("This is not a won stage.")]})
            check_stage_rules(deal, target)
        now = timezone.now()
        previous = deal.stage
        if target is not None:
            _enter_stage(deal, target, user=actor, now=now)
        deal.status = DealStatus.WON
        deal.won_at = now
        deal.lost_at = None
        deal.lost_reason = None
        deal.lost_note = ""
        deal.last_activity_at = now
        deal.save()
        _record(
            deal,
            "deal_won",
            user=actor,
            subject=deal.title,
            data={**_money_data(deal), "from": previous.name},
        )
        reindex(deal)
        signals.deal_won.send(sender=Deal, deal=deal, user=actor)
    return deal


def mark_lost(
    deal: Deal,
    *,
    user: User | None,
    reason: LostReason | int | None = None,
    note: str = "",
    stage: Stage | None = None,
) -> Deal:
    """Lose the deal with a reason (required while any reason is defined) and an optional note."""
    actor = _actor(user)
    errors: dict[str, list[str]] = {}
    reason = _get(LostReason, reason, "lost_reason", errors)
    if (
        reason is None
        and "lost_reason" not in errors
        and LostReason.objects.filter(is_active=True).exists()
    ):
        errors["lost_reason"] = [_("Choose why the deal was lost.")]
    note = normalize_text(note or "", multiline=True)
    if len(note) > 500:
        errors["lost_note"] = [_("The note is too long; at most 500 characters.")]
    if stage is not None and stage.kind != StageKind.LOST:
        errors["stage"] = [_("This is not a lost stage.")]
    _raise(errors)
    with transaction.atomic():
        deal = _locked(deal)
        target = stage or _stage_of_kind(deal.pipeline, StageKind.LOST)
        if target is not None:
            check_stage_rules(deal, target)
        now = timezone.now()
        previous = deal.stage
        if target is not None:
            _enter_stage(deal, target, user=actor, now=now)
        deal.status = DealStatus.LOST
        deal.lost_at = now
        deal.won_at = None
        deal.lost_reason = reason
        deal.lost_note = note
        deal.last_activity_at = now
        deal.save()
        _record(
            deal,
            "deal_lost",
            user=actor,
            subject=deal.title,
            body=note,
            data={"reason": reason.name if reason else "", "from": previous.name},
        )
        reindex(deal)
        signals.deal_lost.send(sender=Deal, deal=deal, user=actor)
    return deal


def reopen_deal(
    deal: Deal,
    *,
    user: User | None,
    stage: Stage | None = None,
    position: int | None = None,
    before_id: int | None = None,
) -> Deal:
    """Make a won or lost deal open again, in `stage` or the open stage it was closed from."""
    actor = _actor(user)
    with transaction.atomic():
        deal = _locked(deal)
        if deal.is_open:
            return deal
        if stage is None:
            stage = _stage_before_closing(deal) or first_open_stage(deal.pipeline)
        if stage is None or stage.kind != StageKind.OPEN:
            raise ValidationError({"stage": [_("Choose an open stage to reopen the deal in.")]})
        check_stage_rules(deal, stage)
        now = timezone.now()
        _enter_stage(deal, stage, user=actor, now=now)
        deal.status = DealStatus.OPEN
        deal.won_at = deal.lost_at = None
        deal.lost_reason = None
        deal.lost_note = ""
        deal.last_activity_at = now
        deal.position = _position_for(stage, deal.pk, position=position, before_id=before_id)
        deal.save()
        _record(deal, "deal_reopened", user=actor, subject=deal.title, data={"to": stage.name})
        reindex(deal)
        signals.deal_reopened.send(sender=Deal, deal=deal, user=actor)
    return deal


def _stage_before_closing(deal: Deal) -> Stage | None:
    """The open stage the deal was in when it was won or lost."""
    change = (
        deal.stage_changes.filter(from_stage__kind=StageKind.OPEN)
        .select_related("from_stage")
        .order_by("-changed_at", "-id")
        .first()
    )
    return change.from_stage if change else None


def add_deal_note(deal: Deal, *, user: User, body: str):
    """A note about the deal, on the customer's timeline (and the deal page)."""
    from peyvand.timeline.services import record_entry

    body = normalize_text(body or "", multiline=True)
    if not body:
        raise ValidationError({"body": [_("Write the note first.")]})
    entry = record_entry(
        kind="note",
        contact=deal.contact,
        company=deal.company,
        author=_actor(user),
        body=body,
        source=deal,
    )
    touch_deal(deal)
    return entry


def delete_deal(deal: Deal, *, user: User | None) -> None:
    from peyvand.search.services import remove_document
    from peyvand.timeline.models import TimelineEntry

    with transaction.atomic():
        ct = ContentType.objects.get_for_model(Deal)
        # Deal events go with the deal; notes people wrote stay on the customer's timeline.
        TimelineEntry.objects.filter(
            source_type=ct, source_id=deal.pk, kind__startswith="deal_"
        ).delete()
        remove_document("deal", deal.pk)
        deal.delete()


# --- Lead conversion ----------------------------------------------------------------------


def deal_from_converted_lead(*, lead, contact, company, user, deal_input: dict) -> Deal | None:
    """Receiver work for leads.signals.lead_converted when the user asked for a deal."""
    if not permissions.has_perm(user, DEALS, permissions.ADD):
        raise ValidationError({"create_deal": [_("You do not have permission to create deals.")]})
    deal_input = dict(deal_input or {})
    if not isinstance(deal_input, dict):
        raise ValidationError({"deal": [_("Invalid deal details.")]})
    allowed = {"title", "amount", "currency", "expected_close", "pipeline", "stage", "owner"}
    unknown = set(deal_input) - allowed
    if unknown:
        raise ValidationError(
            {"deal": [_("Unknown deal fields: %(names)s") % {"names": ", ".join(sorted(unknown))}]}
        )
    source = lead.source or {}
    title = deal_input.get("title") or " – ".join(
        part for part in (lead.product, company.name if company else str(contact)) if part
    )
    data = DealInput(
        title=title,
        contact=contact,
        company=company,
        owner=deal_input.get("owner") or lead.owner or user,
        source_lead=lead,
        source_campaign=source.get("utm_campaign") or source.get("campaign") or lead.source_name,
    )
    for name in ("amount", "currency", "expected_close", "pipeline", "stage"):
        if name in deal_input:
            setattr(data, name, deal_input[name])
    if lead.team_id and "owner" not in deal_input:
        data.team = lead.team
    return create_deal(user=user, data=data)


# --- Pipelines, stages, lost reasons ------------------------------------------------------


def _clean_stage(data: StageInput, errors: dict, index: int) -> None:
    data.name = normalize_text(data.name or "")
    prefix = _("Stage %(n)s") % {"n": index + 1}
    problems = []
    if not data.name:
        problems.append(_("name the stage"))
    elif len(data.name) > 120:
        problems.append(_("the name is at most 120 characters"))
    try:
        data.probability = int(data.probability)
    except (TypeError, ValueError):
        data.probability = -1
    if not 0 <= data.probability <= 100:
        problems.append(_("the probability is a whole number from 0 to 100"))
    if data.kind not in StageKind.values:
        problems.append(_("choose open, won or lost"))
    codes = list(dict.fromkeys(data.required_fields or []))
    if any(code not in DEAL_REQUIRED_FIELDS for code in codes):
        problems.append(_("unknown required field"))
    data.required_fields = codes
    if data.rotting_days in ("", 0):
        data.rotting_days = None
    if data.rotting_days is not None:
        try:
            data.rotting_days = int(data.rotting_days)
        except (TypeError, ValueError):
            data.rotting_days = -1
        if not 1 <= data.rotting_days <= 3650:
            problems.append(_("rotting days are from 1 to 3650"))
    if problems:
        errors.setdefault("stages", []).append(f"{prefix}: {', '.join(str(p) for p in problems)}.")


def _clean_pipeline(values: dict, errors: dict) -> dict:
    cleaned = {}
    if "name" in values:
        name = normalize_text(values["name"] or "")
        if not name:
            errors["name"] = [_("Name the pipeline.")]
        elif len(name) > 120:
            errors["name"] = [_("The name is too long; at most 120 characters.")]
        cleaned["name"] = name
    if "rotting_days" in values:
        days = values["rotting_days"]
        if days in ("", None, 0):
            days = None
        else:
            try:
                days = int(days)
            except (TypeError, ValueError):
                days = -1
            if not 1 <= days <= 3650:
                errors["rotting_days"] = [
                    _("Enter a number of days from 1 to 3650, or leave it empty.")
                ]
        cleaned["rotting_days"] = days
    if "currency" in values:
        if values["currency"] not in Currency.values:
            errors["currency"] = [_("Choose a valid currency.")]
        cleaned["currency"] = values["currency"]
    for flag in ("is_default", "is_active"):
        if flag in values:
            cleaned[flag] = bool(values[flag])
    return cleaned


def _make_default(pipeline: Pipeline) -> None:
    Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)


def create_pipeline(
    *, user: User | None, stages: list[StageInput] | None = None, **values
) -> Pipeline:
    """A pipeline with its stages (default: the stages of a simple sales process)."""
    errors: dict[str, list[str]] = {}
    values.setdefault("name", "")
    cleaned = _clean_pipeline(values, errors)
    stages = list(stages) if stages is not None else default_stage_inputs()
    for index, stage in enumerate(stages):
        _clean_stage(stage, errors, index)
    if not any(s.kind == StageKind.OPEN for s in stages):
        errors.setdefault("stages", []).append(_("A pipeline needs at least one open stage."))
    _raise(errors)
    with transaction.atomic():
        if not Pipeline.objects.exists():
            cleaned["is_default"] = True
        if cleaned.get("is_default"):
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        cleaned["order"] = (Pipeline.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        pipeline = Pipeline.objects.create(**cleaned)
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=s.name,
                order=index,
                probability=s.probability,
                kind=s.kind,
                required_fields=s.required_fields,
                rotting_days=s.rotting_days,
            )
            for index, s in enumerate(stages)
        )
    return pipeline


def update_pipeline(pipeline: Pipeline, *, user: User | None, **values) -> Pipeline:
    errors: dict[str, list[str]] = {}
    cleaned = _clean_pipeline(values, errors)
    if cleaned.get("is_default") is False and pipeline.is_default:
        errors["is_default"] = [_("Make another pipeline the default instead.")]
    if cleaned.get("is_active") is False and (cleaned.get("is_default") or pipeline.is_default):
        errors["is_active"] = [_("The default pipeline cannot be archived.")]
    _raise(errors)
    with transaction.atomic():
        if cleaned.get("is_default"):
            _make_default(pipeline)
        for name, value in cleaned.items():
            setattr(pipeline, name, value)
        pipeline.save()
    return pipeline


def delete_pipeline(pipeline: Pipeline, *, user: User | None) -> None:
    if pipeline.deals.exists():
        raise ValidationError(
            {"pipeline": [_("This pipeline has deals; archive it instead of deleting it.")]}
        )
    if pipeline.is_default:
        raise ValidationError({"pipeline": [_("Make another pipeline the default first.")]})
    pipeline.delete()


def save_stages(pipeline: Pipeline, stages: list[StageInput], *, user: User | None) -> list[Stage]:
    """Replace the pipeline's stages by `stages`, in that order: rows with an id are updated,
    rows without are added, stages left out are removed (refused while deals are in them)."""
    errors: dict[str, list[str]] = {}
    for index, stage in enumerate(stages):
        _clean_stage(stage, errors, index)
    if not any(s.kind == StageKind.OPEN for s in stages):
        errors.setdefault("stages", []).append(_("A pipeline needs at least one open stage."))
    with transaction.atomic():
        existing = {s.pk: s for s in Stage.objects.select_for_update().filter(pipeline=pipeline)}
        kept = {int(s.id) for s in stages if s.id}
        if kept - set(existing):
            errors.setdefault("stages", []).append(_("A stage does not belong to this pipeline."))
        removed = [s for pk, s in existing.items() if pk not in kept]
        busy = [s.name for s in removed if s.deals.exists()]
        if busy:
            errors.setdefault("stages", []).append(
                _("Move the deals out of these stages before removing them: %(names)s")
                % {"names": "، ".join(busy)}
            )
        for data in stages:
            if data.id and int(data.id) in existing:
                current = existing[int(data.id)]
                if current.kind != data.kind and current.deals.exists():
                    errors.setdefault("stages", []).append(
                        _("“%(name)s” has deals; its kind cannot change.") % {"name": current.name}
                    )
        _raise(errors)
        Stage.objects.filter(pk__in=[s.pk for s in removed]).delete()
        result = []
        for index, data in enumerate(stages):
            stage = existing.get(int(data.id)) if data.id else None
            stage = stage or Stage(pipeline=pipeline)
            stage.name = data.name
            stage.order = index
            stage.probability = data.probability
            stage.kind = data.kind
            stage.required_fields = data.required_fields
            stage.rotting_days = data.rotting_days
            stage.save()
            result.append(stage)
    return result


def reorder_stages(pipeline: Pipeline, stage_ids: list[int], *, user: User | None) -> None:
    ids = [int(pk) for pk in stage_ids]
    current = set(pipeline.stages.values_list("pk", flat=True))
    if set(ids) != current or len(ids) != len(current):
        raise ValidationError({"stages": [_("Send every stage of the pipeline exactly once.")]})
    with transaction.atomic():
        Stage.objects.bulk_update(
            [Stage(pk=pk, order=index) for index, pk in enumerate(ids)], ["order"]
        )


def default_stage_inputs() -> list[StageInput]:
    return [
        StageInput(_("Qualified"), 10),
        StageInput(_("Needs analysis"), 25),
        StageInput(_("Proposal sent"), 50, required_fields=["amount"]),
        StageInput(_("Negotiation"), 75, required_fields=["amount", "expected_close"]),
        StageInput(_("Won"), 100, kind=StageKind.WON),
        StageInput(_("Lost"), 0, kind=StageKind.LOST),
    ]


def save_lost_reason(
    *, name: str, order: int | None = None, is_active: bool = True, reason: LostReason | None = None
) -> LostReason:
    name = normalize_text(name or "")
    if not name:
        raise ValidationError({"name": [_("Write the reason.")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("The reason is too long; at most 120 characters.")]})
    reason = reason or LostReason()
    reason.name = name
    reason.is_active = is_active
    if order is not None:
        reason.order = order
    elif reason.pk is None:
        reason.order = (LostReason.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    reason.save()
    return reason


def money_text(deal: Deal, language: str | None = None) -> str:
    return format_money(deal.amount, deal.currency, language)


# --- Orders from won deals ----------------------------------------------------------------


def create_order_from_deal(deal: Deal, *, user: User | None) -> Order:
    """The order of a won deal, created once: see order_from_deal."""
    return order_from_deal(deal, user=user)[0]


def order_from_deal(deal: Deal, *, user: User | None) -> tuple[Order, bool]:
    """Create the (confirmed) order of a won deal from its product lines, or with no lines one
    line of the deal's title and amount; customer, owner, team and currency are the deal's.
    Returns (order, created). Idempotent: the deal's existing order, or the order its accepted
    quote made, is returned instead of a second one. Needs orders.add."""
    permissions.require_perm(user, ORDERS, permissions.ADD)
    with transaction.atomic():
        # Locked so two clicks at once make one order: the second waits and finds it.
        deal = _locked(deal)
        if deal.status != DealStatus.WON:
            raise ValidationError(
                {"status": [_("Only a won deal can become an order; mark the deal as won first.")]}
            )
        existing = deal_order(deal)
        if existing is not None:
            return existing, False
        lines = list(deal.lines.select_related("product").order_by("order", "id"))
        if not lines and deal.amount <= 0:
            message = _("Enter the deal's amount or add products before creating its order.")
            raise ValidationError({"amount": [message]})
        order, created = commerce.import_order(
            user=user,
            data=_order_data(deal, lines),
            source=OrderSource.DEAL,
            external_id=str(deal.pk),
        )
        touch_deal(deal)
    return order, created


def _order_data(deal: Deal, lines: list[DealProduct]) -> dict[str, Any]:
    if lines:
        order_lines = [_order_line(line, deal.currency) for line in lines]
    else:
        order_lines = [
            {"description": deal.title[:300], "quantity": Decimal(1), "unit_price": deal.amount}
        ]
    owner = deal.owner if deal.owner_id and deal.owner.is_active else None
    return {
        "contact": deal.contact_id,
        "company": deal.company_id,
        "owner": owner,
        "team": deal.team_id,
        "currency": deal.currency,
        "status": OrderStatus.CONFIRMED,
        "metadata": {"deal_id": deal.pk, "deal_title": deal.title},
        # Tax is left to the catalogue (the product's rate, else the default rate): deal
        # amounts are before tax.
        "lines": order_lines,
    }


def _order_line(line: DealProduct, currency: str) -> dict[str, Any]:
    # Deal discounts are percentages; order discounts are amounts, rounded like the order.
    subtotal = commerce.round_money(line.quantity * line.unit_price, currency)
    discount = commerce.round_money(subtotal * line.discount_percent / 100, currency)
    return {
        "product": line.product_id,
        "description": line.name,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": discount,
    }
