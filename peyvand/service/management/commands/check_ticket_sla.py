"""Warn assignees of tickets about to miss an SLA deadline and escalate breaches to team leads.

Deferred background jobs do this on time; this sweep is the safety net for jobs that were lost
or a task backend that cannot defer. Run it every few minutes (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from peyvand.service.sla import sweep


class Command(BaseCommand):
    help = "Warn before and escalate after ticket SLA deadlines (first response, resolution)."

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(f"warned={counts['warned']} breached={counts['breached']}")
