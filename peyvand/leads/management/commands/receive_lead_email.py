"""Read one e-mail (RFC 822) from standard input, or --file, and turn it into a lead.

For a mail server's pipe transport, e.g. in Postfix's aliases:
    leads: "|/srv/peyvand/.venv/bin/python /srv/peyvand/manage.py receive_lead_email"
Exits 0 when the message was handled (also when it was ignored as an auto-reply), and 75
(EX_TEMPFAIL, "try again later") when it could not be stored, so the mail server retries."""

import sys

from django.core.management.base import BaseCommand

from peyvand.core.mail import EX_TEMPFAIL, read_raw_message
from peyvand.leads.mailgateway import process_message


class Command(BaseCommand):
    help = "Create a lead (or an inquiry) from one e-mail read from stdin or --file."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Read the message from this file instead of stdin.")
        parser.add_argument(
            "--mailbox", default="", help="Where the message came from (shown on the lead)."
        )

    def handle(self, *args, **options):
        raw = read_raw_message(options["file"])
        try:
            result = process_message(raw, mailbox=options["mailbox"])
        except Exception as exc:
            self.stderr.write(f"temporary failure: {exc}")
            sys.exit(EX_TEMPFAIL)
        line = result.status
        if result.lead is not None:
            line += f" lead={result.lead.pk}"
        if result.reason:
            line += f" ({result.reason})"
        self.stdout.write(line)
