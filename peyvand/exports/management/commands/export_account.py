"""Write the whole account (every module, users, teams, roles, uploaded files) to a ZIP."""

from django.core.management.base import BaseCommand

from peyvand.exports.account import export_account


class Command(BaseCommand):
    help = "Export every record and uploaded file of this installation to a ZIP (JSON Lines)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Path of the ZIP file to write.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: str, database: str, **options):
        manifest = export_account(output, using=database)
        records = sum(m["count"] for m in manifest["models"])
        self.stdout.write(
            f"Exported {records} records of {len(manifest['models'])} models and "
            f"{len(manifest['files'])} files to {output}."
        )
        for name in manifest["missing_files"]:
            self.stderr.write(f"Missing from storage (not exported): {name}")
