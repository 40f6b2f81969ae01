from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "peyvand.commissions"
    label = "commissions"
    verbose_name = _("Commissions")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module

        from . import models

        register_module(models.COMMISSIONS, _("Commissions"))
        auditlog.register(models.CommissionPlan, m2m_fields={"users", "teams"})
        auditlog.register(models.CategoryRate)
        auditlog.register(models.Tier)
        auditlog.register(models.CommissionStatement)
        auditlog.register(models.Adjustment)
