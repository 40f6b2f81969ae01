from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "peyvand.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from peyvand.accounts.permissions import TASKS, VIEW
        from peyvand.contacts.panels import Panel, register_panel

        from . import views

        register_panel(
            Panel(
                key="tasks",
                title=_("Tasks"),
                template="tasks/panel.html",
                context=views.panel_context,
                order=10,
                column="side",
                permission=(TASKS, VIEW),
            )
        )

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
