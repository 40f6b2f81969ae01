from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "peyvand.imports"
    label = "imports"
    verbose_name = _("Import")

    def ready(self) -> None:
        from peyvand.accounts.permissions import register_module

        from . import models

        register_module(models.IMPORTS, _("Import"), shareable=False)
