from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "peyvand.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        exclude = ["search_name", "updated_at", "last_contacted_at", "primary_phone", "primary_email"]
        auditlog.register(models.Contact, exclude_fields=exclude, m2m_fields={"tags"})
        auditlog.register(models.Company, exclude_fields=exclude, m2m_fields={"tags"})
        auditlog.register(models.Phone)
        auditlog.register(models.Email)
        auditlog.register(models.Address)
        auditlog.register(models.Membership)
