"""Erase contacts and companies that have stayed in the trash longer than a retention period.

    manage.py purge_trash --days 90

Without --days the CONTACTS_TRASH_PURGE_DAYS setting is used; when neither is set nothing is
purged (keeping deleted records is the safe default). Meant for the periodic scheduler."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from peyvand.contacts.privacy import purge_trash


class Command(BaseCommand):
    help = "Erase the personal data of records deleted more than --days days ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days: int | None = None, **options):
        days = days if days is not None else getattr(settings, "CONTACTS_TRASH_PURGE_DAYS", None)
        if days is None:
            self.stdout.write(
                "No retention period (--days or CONTACTS_TRASH_PURGE_DAYS); nothing done."
            )
            return
        if days < 1:
            raise CommandError("--days must be at least 1.")
        count = purge_trash(days)
        self.stdout.write(f"Erased {count} record(s) deleted more than {days} days ago.")
