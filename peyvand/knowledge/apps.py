from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "peyvand.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module

        from . import models, registrations

        # One knowledge base for the whole company: no per-record sharing.
        register_module(models.KNOWLEDGE, _("Knowledge base"), shareable=False)
        registrations.register()

        auditlog.register(
            models.Article,
            exclude_fields=["updated_at", "view_count", "helpful_count", "not_helpful_count"],
            m2m_fields={"tags"},
        )
        auditlog.register(models.CannedResponse, exclude_fields=["updated_at"])
        auditlog.register(models.ArticleCategory)
