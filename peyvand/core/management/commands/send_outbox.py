"""Send the outbox's due e-mails and SMS (run_scheduler runs it every minute): retries after a
failure and anything whose job never ran (peyvand.core.outbox)."""

from django.core.management.base import BaseCommand

from peyvand.core.outbox import deliver_due


class Command(BaseCommand):
    help = "Send pending outgoing e-mails and SMS that are due (retries included)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args, batch: int = 200, **options):
        counts = deliver_due(batch=batch)
        summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
