from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "peyvand.portal"
    label = "portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        # Export and erasure of a customer (right to be forgotten, contacts.privacy).
        from . import privacy

        privacy.register()
