from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "peyvand.timeline"
    label = "timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from peyvand.accounts.permissions import TIMELINE, VIEW
        from peyvand.contacts import signals
        from peyvand.contacts.panels import Panel, register_panel

        from . import receivers, views
        from .registry import register_entry_kind

        for code, label, icon, interaction in (
            ("note", _("Note"), "📝", False),
            ("call", _("Call"), "📞", True),
            ("email", _("Email"), "✉️", True),
            ("meeting", _("Meeting"), "🤝", True),
            ("sms", _("SMS"), "💬", True),
            ("stage_change", _("Stage change"), "🔀", False),
            ("merge", _("Merge"), "🔗", False),
            ("task_done", _("Task done"), "✅", False),
        ):
            register_entry_kind(
                code,
                label=label,
                icon=icon,
                interaction=interaction,
                template=f"timeline/entries/{code}.html" if code != "note" else None,
            )

        signals.records_merged.connect(receivers.on_records_merged, dispatch_uid="timeline.merge")
        signals.merge_undone.connect(
            receivers.on_merge_undone, dispatch_uid="timeline.merge_undone"
        )
        signals.stage_changed.connect(receivers.on_stage_changed, dispatch_uid="timeline.stage")

        register_panel(
            Panel(
                key="timeline",
                title=_("Timeline"),
                template="timeline/panel.html",
                context=views.panel_context,
                order=10,
                column="main",
                permission=(TIMELINE, VIEW),
            )
        )

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
