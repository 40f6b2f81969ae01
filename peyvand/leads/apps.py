from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "peyvand.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module
        from peyvand.imports.registry import register_target

        from . import import_target, models, registrations

        register_module(models.LEADS, _("Leads"))
        register_module(
            models.LEAD_SETUP, _("Lead set-up: web forms, routing, scoring"), shareable=False
        )
        registrations.register()
        register_target(import_target.TARGET)

        auditlog.register(
            models.Lead,
            exclude_fields=["updated_at", "score_explanation", "last_activity_at"],
        )
        auditlog.register(models.AssignmentRule, m2m_fields={"forms"})
        auditlog.register(models.ScoringRule)
        auditlog.register(models.LeadForm)

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
