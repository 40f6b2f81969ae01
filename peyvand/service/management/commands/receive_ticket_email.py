"""Read one e-mail (RFC 822) from standard input, or --file, and open a ticket or add it to the
ticket it answers.

For a mail server's pipe transport, e.g. in Postfix's aliases:
    support: "|/srv/peyvand/.venv/bin/python /srv/peyvand/manage.py receive_ticket_email"
Exits 0 when the message was handled (also when it was ignored as an auto-reply or a loop), and
75 (EX_TEMPFAIL, "try again later") when it could not be stored, so the mail server retries."""

import sys

from django.core.management.base import BaseCommand

from peyvand.core.mail import EX_TEMPFAIL, read_raw_message
from peyvand.service.mail import receive_ticket_email


class Command(BaseCommand):
    help = "Open a ticket (or add to one) from one e-mail read from stdin or --file."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Read the message from this file instead of stdin.")
        parser.add_argument("--mailbox", default="", help="Where the message came from.")

    def handle(self, *args, **options):
        raw = read_raw_message(options["file"])
        try:
            result = receive_ticket_email(raw, mailbox=options["mailbox"])
        except Exception as exc:
            self.stderr.write(f"temporary failure: {exc}")
            sys.exit(EX_TEMPFAIL)
        line = result.status
        if result.ticket is not None:
            line += f" ticket={result.ticket.reference}"
        if result.reason:
            line += f" ({result.reason})"
        self.stdout.write(line)
