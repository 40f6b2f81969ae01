"""Fetch unread messages from the service IMAP mailbox: each opens a ticket or is added to one.

Settings come from the environment (SERVICE_IMAP_HOST, SERVICE_IMAP_PORT, SERVICE_IMAP_USER,
SERVICE_IMAP_PASSWORD, SERVICE_IMAP_FOLDER, SERVICE_IMAP_SSL) or the options below. Either run
it from cron (`*/2 * * * * ... manage.py fetch_ticket_email`), or once with --schedule: the
background worker then fetches every SERVICE_IMAP_POLL_SECONDS (the fetch_ticket_email_job
re-enqueues itself)."""

from django.core.management.base import BaseCommand, CommandError

from peyvand.core.mail import FetchError, ImapSettings, summary
from peyvand.service.mail import IMAP_ENV_PREFIX, fetch_ticket_email, fetch_ticket_email_job


class Command(BaseCommand):
    help = "Turn the unread e-mails of the service IMAP mailbox into tickets and replies."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--user", default="")
        parser.add_argument("--folder", default="")
        parser.add_argument("--no-ssl", action="store_true", help="Plain IMAP (port 143).")
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many messages per run."
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Hand polling to the background worker (environment settings only).",
        )

    def handle(self, *args, **options):
        config = ImapSettings.from_env(
            IMAP_ENV_PREFIX,
            host=options["host"],
            port=options["port"],
            user=options["user"],
            folder=options["folder"],
            no_ssl=options["no_ssl"],
        )
        if config is None:
            raise CommandError(
                "Set SERVICE_IMAP_HOST and SERVICE_IMAP_USER (or --host and --user)."
            )
        if options["schedule"]:
            result = fetch_ticket_email_job.enqueue(reschedule=True)
            self.stdout.write(f"scheduled job={result.id}")
            return
        try:
            counts = fetch_ticket_email(config, limit=options["limit"])
        except FetchError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(counts))
