"""Leads from a CSV/Excel file (issue 6): the "leads" import target.

Every row goes through `services.capture_lead` on the "import" channel, exactly like a web form
or an event list, so validation (`LeadInput.from_data`), dedupe against open leads and contacts,
routing and scoring all apply; an import is not a fast path around them. A row with an external
id is remembered (imports.ExternalReference), so importing the same file again updates the same
lead instead of adding an inquiry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from peyvand.imports import registry
from peyvand.imports.registry import (
    CREATED,
    FILL,
    OVERWRITE,
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
from .imports import HEADER_ALIASES
from .inputs import LeadInput
from .models import LEADS, Channel, Lead, LeadStatus

CODE = "leads"
# LeadInput field -> Lead model field (the rest have the same name).
_MODEL_FIELD = {"company": "company_name"}
_INPUT_FIELDS = tuple(LeadInput.__dataclass_fields__)
# Fields an import may change on an existing lead (and undo puts back).
_TRACKED = (
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "company_size",
    "phone",
    "email",
    "province",
    "city",
    "language",
    "product",
    "message",
    "consent",
    "inquiries",
    "score",
    "band",
)
# Timeline kinds an import itself writes about a lead: anything else is later work on it.
_IMPORT_KINDS = ("lead_created", "inquiry")


def _aliases(name: str, *extra: str) -> tuple[str, ...]:
    return (*HEADER_ALIASES.get(name, ()), *extra)


FIELDS = (
    registry.external_id_field(),
    ImportField("name", gettext_lazy("Full name"), aliases=_aliases("name")),
    ImportField("first_name", gettext_lazy("First name"), aliases=_aliases("first_name")),
    ImportField("last_name", gettext_lazy("Last name"), aliases=_aliases("last_name")),
    ImportField("phone", gettext_lazy("Phone"), registry.PHONE, aliases=_aliases("phone")),
    ImportField("email", gettext_lazy("Email"), registry.EMAIL, aliases=_aliases("email")),
    ImportField("company", gettext_lazy("Company"), aliases=_aliases("company")),
    ImportField("job_title", gettext_lazy("Job title"), aliases=_aliases("job_title")),
    ImportField(
        "company_size",
        gettext_lazy("Company size (employees)"),
        registry.INTEGER,
        aliases=("employees", "company size", "تعداد کارکنان", "اندازه شرکت", "تعداد پرسنل"),
    ),
    ImportField("province", gettext_lazy("Province"), aliases=_aliases("province")),
    ImportField("city", gettext_lazy("City"), aliases=_aliases("city")),
    ImportField(
        "product",
        gettext_lazy("Product or interest"),
        aliases=("product", "interest", "محصول", "علاقه‌مندی", "محصول مورد علاقه"),
    ),
    ImportField(
        "message",
        gettext_lazy("Message"),
        registry.MULTILINE,
        aliases=("message", "notes", "note", "description", "پیام", "توضیحات", "یادداشت"),
    ),
    ImportField(
        "source",
        gettext_lazy("Lead source"),
        aliases=("source", "lead source", "campaign", "منبع", "منبع سرنخ", "کمپین"),
        help=gettext_lazy("Where the lead came from, e.g. a campaign or an exhibition."),
        max_length=200,
    ),
    ImportField(
        "consent",
        gettext_lazy("Consent"),
        registry.BOOLEAN,
        aliases=("consent", "opt in", "رضایت", "رضایت نامه"),
    ),
)


class LeadTarget(RecordByRecordTarget):
    code = CODE
    label = gettext_lazy("Leads")
    module = LEADS
    fields = FIELDS
    match_keys = ("external_id", "phone", "email")
    description = gettext_lazy(
        "One lead per row with a phone number or an email address. Rows matching an open lead "
        "or a contact by phone or email become an inquiry on it, as from any other channel."
    )

    # -- cleaning ------------------------------------------------------------------------------
    def clean_row(self, values: dict[str, str]) -> CleanRow:
        """External id, source and consent by kind; the lead's own fields by LeadInput.from_data
        (the validation every capture channel uses)."""
        # Numbers and yes/no cells as any import reads them ("۱٬۵۰۰", "بله"), then the lot
        # through LeadInput.from_data.
        by_kind = {"external_id", "source", "consent", "company_size"}
        row = registry.clean_fields([f for f in FIELDS if f.name in by_kind], values)
        if not row.ok:
            return row
        raw: dict[str, Any] = {
            f.name: values[f.name]
            for f in FIELDS
            if f.name not in by_kind and values.get(f.name) not in (None, "")
        }
        raw["consent"] = bool(row.values.pop("consent", False))
        if row.values.get("company_size") is not None:
            raw["company_size"] = row.values.pop("company_size")
        try:
            data = LeadInput.from_data(raw)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    row.add_error(name, message)
            return row
        row.values.update({k: v for k, v in data.as_dict().items() if v not in (None, "")})
        return row

    # -- writing -------------------------------------------------------------------------------
    model = Lead
    duplicate_message = gettext_lazy("Same lead as row %(row)d.")

    def write_row(
        self, row: ImportRow, imported: Lead | None, context: JobContext, mode: str
    ) -> RowOutcome:
        data = _lead_input(row.values)
        if imported is not None:  # imported before from the same source
            if mode == SKIP:
                return RowOutcome(
                    row.number, SKIPPED, imported.pk, message=_("Imported before; skipped.")
                )
            return _update(row, imported, data, context, overwrite=mode != FILL)
        matched = services._open_lead_matching(data.normalized())
        if matched is None and services._contact_matching(data.normalized()) is not None:
            if mode == SKIP:
                return RowOutcome(row.number, SKIPPED, message=_("Already a contact; skipped."))
        elif matched is not None:
            if mode == SKIP:
                return RowOutcome(
                    row.number,
                    SKIPPED,
                    matched.pk,
                    message=_("Matches an open lead by phone or email; skipped."),
                )
            if mode == OVERWRITE:
                return _update(row, matched, data, context, overwrite=True)
        # New lead, or FILL/CREATE on a match: the channel's own rules (an inquiry that fills the
        # lead's empty fields, or one on the contact's timeline).
        before = _tracked(matched) if matched is not None else None
        source = {"import": context.source}
        if row.values.get("source"):
            source["campaign"] = row.values["source"]
        result = services.capture_lead(
            channel=Channel.IMPORT, data=data, source=source, user=context.user
        )
        if result.created:
            return RowOutcome(row.number, CREATED, result.lead.pk)
        if result.lead is not None:
            after = _tracked(Lead.objects.get(pk=result.lead.pk))
            previous = {k: v for k, v in (before or {}).items() if after.get(k) != v}
            return RowOutcome(
                row.number,
                UPDATED,
                result.lead.pk,
                previous=previous,
                message=_("Added as an inquiry to an open lead with the same phone or email."),
            )
        return RowOutcome(
            row.number,
            SKIPPED,
            message=_("Already a contact: recorded as an inquiry on their timeline."),
        )

    # -- undo ----------------------------------------------------------------------------------
    def blockers(self, ids: Sequence[int]) -> list[str]:
        leads = Lead.objects.filter(pk__in=ids)
        reasons = []
        converted = leads.filter(status=LeadStatus.CONVERTED).count()
        if converted:
            reasons.append(
                ngettext(
                    "%(count)d imported lead was converted to a contact.",
                    "%(count)d imported leads were converted to contacts.",
                    converted,
                )
                % {"count": converted}
            )
        worked = _worked_on(ids) - set(
            leads.filter(status=LeadStatus.CONVERTED).values_list("pk", flat=True)
        )
        if worked:
            reasons.append(
                ngettext(
                    "%(count)d imported lead has been worked on since (status or activity).",
                    "%(count)d imported leads have been worked on since (status or activity).",
                    len(worked),
                )
                % {"count": len(worked)}
            )
        return reasons + registry.referenced_by(Lead, ids, own=("assignments",))

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        from peyvand.search.services import remove_documents
        from peyvand.timeline.models import TimelineEntry

        ids = list(created_ids)
        ct = ContentType.objects.get_for_model(Lead)
        TimelineEntry.objects.filter(source_type=ct, source_id__in=ids).delete()
        remove_documents("lead", ids)
        Lead.objects.filter(pk__in=ids).delete()
        for lead in Lead.objects.filter(pk__in=list(restored)):
            registry.restore_fields(lead, restored[lead.pk])
            lead.save()
            services.reindex(lead)

    def object_url(self, object_id: int) -> str | None:
        return reverse("leads:detail", args=[object_id])


def _lead_input(values: dict[str, Any]) -> LeadInput:
    return LeadInput(**{name: values[name] for name in _INPUT_FIELDS if name in values})


def _tracked(lead: Lead) -> dict[str, Any]:
    return {name: registry.snapshot(getattr(lead, name)) for name in _TRACKED}


def _update(
    row: ImportRow, lead: Lead, data: LeadInput, context: JobContext, *, overwrite: bool
) -> RowOutcome:
    """The file's values over the lead (OVERWRITE) or into its empty fields (FILL), through
    update_lead, so the lead is validated and rescored as when edited by hand."""
    before = _tracked(lead)
    merged: dict[str, Any] = {}
    for name in _INPUT_FIELDS:
        current = getattr(lead, _MODEL_FIELD.get(name, name))
        new = getattr(data, name)
        if new in (None, "", False) or (not overwrite and current not in (None, "")):
            merged[name] = current
        else:
            merged[name] = new
    lead = services.update_lead(lead, user=context.user, data=LeadInput(**merged))
    after = _tracked(lead)
    previous = {k: v for k, v in before.items() if after.get(k) != v}
    if not previous:
        return RowOutcome(row.number, SKIPPED, lead.pk, message=_("Already up to date."))
    return RowOutcome(row.number, UPDATED, lead.pk, previous=previous)


def _worked_on(ids: Sequence[int]) -> set[int]:
    """Leads someone has worked on since the import: a status other than new, or timeline
    entries other than the ones capture writes."""
    from peyvand.timeline.models import TimelineEntry

    worked = set(
        Lead.objects.filter(pk__in=ids).exclude(status=LeadStatus.NEW).values_list("pk", flat=True)
    )
    ct = ContentType.objects.get_for_model(Lead)
    worked.update(
        TimelineEntry.objects.filter(source_type=ct, source_id__in=list(ids))
        .exclude(kind__in=_IMPORT_KINDS)
        .values_list("source_id", flat=True)
    )
    return worked


TARGET = LeadTarget()
