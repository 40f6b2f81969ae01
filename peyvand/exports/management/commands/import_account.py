"""Load a ZIP made by export_account into an empty installation (after `migrate`)."""

from django.core.management.base import BaseCommand, CommandError

from peyvand.exports.account import ImportRefused, import_account


class Command(BaseCommand):
    help = "Import a full-account export into an EMPTY installation (no users yet)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The ZIP written by export_account.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, archive: str, database: str, **options):
        try:
            result = import_account(archive, using=database)
        except (ImportRefused, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {sum(result.counts.values())} records of {len(result.counts)} models "
            f"and {result.files} files."
        )
