"""Fetch unread messages from an IMAP mailbox and turn each into a lead (or an inquiry).

Run it on a schedule (cron or a systemd timer), e.g. every two minutes:
    */2 * * * *  cd /srv/peyvand && .venv/bin/python manage.py fetch_lead_email
Settings come from the environment (LEADS_IMAP_HOST, LEADS_IMAP_PORT, LEADS_IMAP_USER,
LEADS_IMAP_PASSWORD, LEADS_IMAP_FOLDER, LEADS_IMAP_SSL) or the options below."""

from django.core.management.base import BaseCommand, CommandError

from peyvand.core.mail import FetchError, ImapSettings, fetch_or_raise, summary
from peyvand.leads.mailgateway import process_message


class Command(BaseCommand):
    help = "Turn the unread e-mails of the leads IMAP mailbox into leads."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--user", default="")
        parser.add_argument("--folder", default="")
        parser.add_argument("--no-ssl", action="store_true", help="Plain IMAP (port 143).")
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many messages per run."
        )

    def handle(self, *args, **options):
        config = ImapSettings.from_env(
            "LEADS_IMAP",
            host=options["host"],
            port=options["port"],
            user=options["user"],
            folder=options["folder"],
            no_ssl=options["no_ssl"],
        )
        if config is None:
            raise CommandError("Set LEADS_IMAP_HOST and LEADS_IMAP_USER (or --host and --user).")
        try:
            counts = fetch_or_raise(
                config,
                lambda raw, mailbox: process_message(raw, mailbox=mailbox).status,
                limit=options["limit"],
            )
        except FetchError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(counts))
