from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "peyvand.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module
        from peyvand.imports.registry import register_target

        from . import import_target, models, registrations

        register_module(models.TICKETS, _("Tickets"))
        register_module(
            models.SERVICE_SETUP,
            _("Service set-up: tiers, categories, routing"),
            shareable=False,
        )
        registrations.register()
        register_target(import_target.TARGET)
        __import__("peyvand.service.sla_registrations", fromlist=["register"]).register()
        __import__("peyvand.service.mail")  # e-mails public replies (message_added receiver)

        auditlog.register(
            models.Ticket,
            exclude_fields=["updated_at", "last_activity_at", "number"],
            m2m_fields={"tags"},
        )
        auditlog.register(models.RoutingRule, m2m_fields={"categories"})
        auditlog.register(models.SupportTier)
        auditlog.register(models.TicketCategory)

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
