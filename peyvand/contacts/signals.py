"""Hooks other apps listen to. Contacts never imports the apps above it (timeline, tasks...);
they connect to these signals instead, e.g. to write a timeline note.

All are sent inside the service's transaction, after the change is written."""

from django.dispatch import Signal

# sender=Contact or Company; survivor, merged (the duplicate, kept with merged_into=survivor),
# merge_record (MergeRecord), user.
records_merged = Signal()

# sender=Contact or Company; survivor, merged, merge_record, user.
merge_undone = Signal()

# sender=Contact or Company; record, old_stage, new_stage, user.
stage_changed = Signal()
