from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "peyvand.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module
        from peyvand.imports.registry import register_target

        from . import import_target, quote_registrations, registrations
        from .models import pipelines

        register_module(pipelines.DEALS, _("Deals"))
        register_module(
            pipelines.SALES_SETUP,
            _("Sales set-up: pipelines, stages, lost reasons"),
            shareable=False,
        )
        registrations.register()
        quote_registrations.register()
        register_target(import_target.TARGET)

        auditlog.register(
            pipelines.Deal, exclude_fields=["updated_at", "last_activity_at", "position"]
        )
        auditlog.register(pipelines.Pipeline)
        auditlog.register(pipelines.Stage)
        auditlog.register(pipelines.LostReason)

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
