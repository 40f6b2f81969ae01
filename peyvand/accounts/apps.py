from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "peyvand.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        # Who changed a role, a team or an account is a security question: keep the history.
        # Secrets and bookkeeping columns are never logged.
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.Team)
        auditlog.register(models.Role)
        auditlog.register(models.ModuleSharing)
        auditlog.register(models.ApiToken, exclude_fields=["digest", "last_used_at"])

        from .audit import guard_log_entries

        guard_log_entries()
