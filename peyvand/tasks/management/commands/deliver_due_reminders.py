from django.core.management.base import BaseCommand

from peyvand.tasks.services import deliver_due_reminders


class Command(BaseCommand):
    help = (
        "Deliver task reminders whose time has passed but that were never delivered (a lost "
        "background job, tasks imported in bulk). Safe to run at any time and as often as you "
        "like, e.g. every 5 minutes from cron: a reminder is never delivered twice."
    )

    def handle(self, *args, **options) -> None:
        delivered = deliver_due_reminders()
        self.stdout.write(f"{delivered} reminder(s) delivered.")
