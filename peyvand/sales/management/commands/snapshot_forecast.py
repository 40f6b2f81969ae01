"""Record today's forecast per user, team and company (run daily from cron or a systemd timer);
the snapshots are what the forecast page's historic accuracy compares with what closed."""

from django.core.management.base import BaseCommand, CommandError

from peyvand.core.dates import InvalidDate, parse_date
from peyvand.sales.forecast import snapshot_forecast_job, take_snapshots


class Command(BaseCommand):
    help = "Record today's sales forecast (daily) for the historic accuracy report."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Record as of this day (1404/07/15 or 2025-10-07).")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue it as a background task instead."
        )

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = parse_date(options["date"])
            except InvalidDate as exc:
                raise CommandError(str(exc)) from exc
        if options["enqueue"]:
            snapshot_forecast_job.enqueue(day.isoformat() if day else None)
            self.stdout.write("enqueued")
            return
        self.stdout.write(f"snapshots={take_snapshots(day)}")
