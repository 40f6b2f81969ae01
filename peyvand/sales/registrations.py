"""What sales adds to the shared registries: timeline kinds, the deal search kind, a "Deals"
panel on contact and company pages, activity hooks (rotting) and the lead-conversion hook."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from django.db.models.signals import post_save

    from peyvand.contacts.panels import Panel, register_panel
    from peyvand.leads.signals import lead_converted
    from peyvand.search.registry import register_indexer, register_kind
    from peyvand.tasks.models import Task
    from peyvand.timeline.models import TimelineEntry
    from peyvand.timeline.registry import register_entry_kind

    from . import search_index
    from .models import DEALS

    template = "sales/timeline_entry.html"
    register_entry_kind("deal_created", label=_("New deal"), icon="💼", template=template)
    register_entry_kind("deal_stage", label=_("Deal stage"), icon="➡️", template=template)
    register_entry_kind("deal_won", label=_("Deal won"), icon="🏆", template=template)
    register_entry_kind("deal_lost", label=_("Deal lost"), icon="✖️", template=template)
    register_entry_kind("deal_reopened", label=_("Deal reopened"), icon="↩️", template=template)

    register_kind("deal", module=DEALS, label=_("Deal"))
    register_indexer(
        "deal", queryset=search_index.deals_to_index, document=search_index.deal_document
    )

    register_panel(
        Panel(
            key="deals",
            title=_("Deals"),
            template="sales/contact_panel.html",
            context=_contact_panel_context,
            order=55,
            kinds=("contact", "company"),
            column="side",
            permission=(DEALS, "view"),
        )
    )

    post_save.connect(_timeline_activity, sender=TimelineEntry, dispatch_uid="sales-activity")
    post_save.connect(_task_activity, sender=Task, dispatch_uid="sales-task-activity")
    lead_converted.connect(_lead_converted, dispatch_uid="sales-lead-converted")


def _deal_content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    from .models import Deal

    return ContentType.objects.get_for_model(Deal).pk


def _timeline_activity(sender, instance, created, **kwargs) -> None:
    """Anything on the deal, or an interaction with its customer, is activity (no rotting)."""
    from peyvand.timeline.registry import entry_kind_or_fallback

    from . import services

    if not created:
        return
    if instance.source_id and instance.source_type_id == _deal_content_type_id():
        services.touch_deal(instance.source_id, instance.occurred_at)
    elif entry_kind_or_fallback(instance.kind).interaction:
        services.touch_customer_deals(
            contact_id=instance.contact_id,
            company_id=instance.company_id,
            when=instance.occurred_at,
        )


def _task_activity(sender, instance, **kwargs) -> None:
    from django.utils import timezone

    from . import services

    if instance.related_id and instance.related_type_id == _deal_content_type_id():
        services.touch_deal(instance.related_id, timezone.now())


def _lead_converted(sender, lead, contact, company, user, create_deal, deal_input, **kwargs):
    from . import services

    if create_deal:
        services.deal_from_converted_lead(
            lead=lead, contact=contact, company=company, user=user, deal_input=deal_input
        )


def _contact_panel_context(request, record) -> dict:
    from peyvand.accounts.permissions import ADD, has_perm
    from peyvand.contacts.models import Contact

    from .models import DEALS, Deal

    field = "contact" if isinstance(record, Contact) else "company"
    deals = (
        Deal.objects.visible_to(request.user)
        .filter(**{field: record})
        .select_related("stage")
        .only(
            "id",
            "title",
            "amount",
            "currency",
            "status",
            "created_at",
            "stage__name",
            "expected_close",
        )
        .order_by("-created_at", "-id")[:10]
    )
    return {
        "deals": list(deals),
        "record_field": field,
        "record": record,
        "can_add": has_perm(request.user, DEALS, ADD),
    }
