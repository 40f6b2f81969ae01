"""Django's `flush`, allowed to empty the append-only audit log too.

Emptying the whole database is a deliberate operator action (and what the test runner does between
transactional tests); every other way of deleting audit entries stays refused by the triggers."""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, transaction

from peyvand.accounts.audit import purge_permit


class Command(DjangoFlush):
    def handle(self, **options):
        using = options.get("database") or DEFAULT_DB_ALIAS
        with transaction.atomic(using=using), purge_permit(using):
            return super().handle(**options)
