"""Remind owners of leads past their first-response deadline and escalate to team managers.

Deferred background jobs do this on time; this sweep is the safety net for jobs that were lost
or a task backend that cannot defer. Run it every few minutes (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from peyvand.leads.sla import sweep


class Command(BaseCommand):
    help = "Remind and escalate leads not contacted within their first-response time."

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(f"reminded={counts['reminded']} escalated={counts['escalated']}")
