from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "peyvand.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import CONTACTS
        from peyvand.search.registry import register_indexer, register_kind

        from . import models, search_index

        exclude = [
            "search_name",
            "updated_at",
            "last_contacted_at",
            "primary_phone",
            "primary_email",
        ]
        auditlog.register(models.Contact, exclude_fields=exclude, m2m_fields={"tags"})
        auditlog.register(models.Company, exclude_fields=exclude, m2m_fields={"tags"})
        auditlog.register(models.Phone)
        auditlog.register(models.Email)
        auditlog.register(models.Address)
        auditlog.register(models.Membership)

        register_kind("contact", module=CONTACTS, label=_("Contact"))
        register_indexer(
            "contact",
            queryset=search_index.contacts_to_index,
            document=search_index.contact_document,
        )
        register_kind("company", module=CONTACTS, label=_("Company"))
        register_indexer(
            "company",
            queryset=search_index.companies_to_index,
            document=search_index.company_document,
        )

        from . import import_target

        import_target.register()

        # Registers contacts' own export section and eraser (the apps above add theirs).
        from . import privacy  # noqa: F401
