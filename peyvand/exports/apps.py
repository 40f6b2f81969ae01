from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "peyvand.exports"
    label = "exports"
    verbose_name = _("Export")

    def ready(self) -> None:
        from . import registry

        registry.discover()
