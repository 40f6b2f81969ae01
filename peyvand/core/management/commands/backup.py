from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peyvand.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the database and the uploaded files to one .tar.gz "
        "archive (default: var/backups/peyvand-<time>.tar.gz). Safe while people work."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Archive to write (.tar.gz).")

    def handle(self, *args, output: str | None, **options):
        if output:
            path = Path(output)
        else:
            folder = Path(settings.VAR_DIR) / "backups"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"peyvand-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            info = create_backup(path)
        except (BackupError, OSError) as error:
            raise CommandError(f"Backup failed, nothing was written: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {info.engine} database and {info.files} files to {path}"
            )
        )
