from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "peyvand.commerce"
    label = "commerce"
    verbose_name = _("Products and orders")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from peyvand.accounts.permissions import register_module
        from peyvand.imports.registry import register_target

        from . import import_target, models, registrations

        register_module(models.PRODUCTS, _("Products and price lists"), shareable=False)
        register_module(models.ORDERS, _("Orders"))
        registrations.register()
        register_target(import_target.ORDERS_TARGET)
        register_target(import_target.ORDERS_NEW_CUSTOMERS_TARGET)

        auditlog.register(models.Product, exclude_fields=["updated_at"])
        auditlog.register(models.PriceList, exclude_fields=["updated_at"])
        auditlog.register(models.Order, exclude_fields=["updated_at", "metadata"])
        auditlog.register(models.CommerceSettings, exclude_fields=["updated_at"])

        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
