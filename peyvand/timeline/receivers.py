"""Timeline entries for events the contacts app announces through its signals."""

from __future__ import annotations

from peyvand.contacts.models import Contact

from . import services


def _owner_kwargs(record) -> dict:
    return {"contact": record} if isinstance(record, Contact) else {"company": record}


def on_records_merged(sender, survivor, merged, merge_record, user, **kwargs) -> None:
    services.record_entry(
        kind="merge",
        author=user,
        source=merge_record,
        data={"merged_id": merged.pk, "merged_name": str(merged)},
        **_owner_kwargs(survivor),
    )
    # The survivor was last contacted whenever either record was.
    if merged.last_contacted_at is not None:
        services.mark_contacted(survivor, merged.last_contacted_at)


def on_merge_undone(sender, survivor, merged, merge_record, user, **kwargs) -> None:
    services.record_entry(
        kind="merge",
        author=user,
        source=merge_record,
        data={"merged_id": merged.pk, "merged_name": str(merged), "undone": True},
        **_owner_kwargs(survivor),
    )


def on_stage_changed(sender, record, old_stage, new_stage, user, **kwargs) -> None:
    services.record_entry(
        kind="stage_change",
        author=user,
        data={"old": old_stage, "new": new_stage},
        **_owner_kwargs(record),
    )
