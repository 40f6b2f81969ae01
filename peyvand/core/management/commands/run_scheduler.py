"""Run the periodic management commands in one long-lived process (`make run-prod`, Procfile).

The same schedule as cron lines, for a host without cron or a platform with one process type per
job. Each command runs when due, one after the other, in this process; a failing command is
logged and retried at its next turn. The commands are idempotent, so two schedulers (or cron plus
a scheduler) do no harm beyond the extra work; run exactly one in production all the same.

    manage.py run_scheduler            # forever; SIGTERM/SIGINT stop it between commands
    manage.py run_scheduler --once     # every command once, then exit (cron: */5 * * * *)
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger("peyvand.scheduler")


@dataclass(frozen=True)
class Job:
    command: str
    every_seconds: int
    # Only scheduled when this environment variable is set (a mailbox to fetch from).
    requires_env: str = ""


SCHEDULE: tuple[Job, ...] = (
    Job("deliver_due_reminders", 60),
    Job("send_outbox", 60),  # e-mail/SMS retries (peyvand.core.outbox)
    Job("check_lead_sla", 60),
    Job("check_ticket_sla", 60),
    Job("expire_quotes", 60 * 60),
    Job("purge_trash", 24 * 60 * 60),  # only with CONTACTS_TRASH_PURGE_DAYS set
    Job("snapshot_forecast", 6 * 60 * 60),  # one snapshot a day; repeats the same day are no-ops
    Job("fetch_lead_email", 120, requires_env="LEADS_IMAP_HOST"),
    Job("fetch_ticket_email", 120, requires_env="SERVICE_IMAP_HOST"),
)


def scheduled_jobs() -> list[Job]:
    """The jobs of SCHEDULE whose command is installed and whose configuration is present."""
    available = get_commands()
    return [
        job
        for job in SCHEDULE
        if job.command in available and (not job.requires_env or os.environ.get(job.requires_env))
    ]


class Command(BaseCommand):
    help = "Run the periodic commands (SLA checks, reminders, quote expiry, forecast snapshots)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks for due jobs."
        )

    def handle(self, *args, **options) -> None:
        jobs = scheduled_jobs()
        self.stopping = False
        if options["once"]:
            failures = sum(not self.run_job(job) for job in jobs)
            if failures:
                self.stderr.write(f"{failures} scheduled command(s) failed.")
            return
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        plan = ", ".join(f"{job.command} every {job.every_seconds}s" for job in jobs)
        self.stdout.write(f"scheduler: {plan}")
        next_run = {job.command: 0.0 for job in jobs}
        while not self.stopping:
            for job in jobs:
                if self.stopping:
                    break
                if time.monotonic() >= next_run[job.command]:
                    # A long-lived process must not reuse a connection the server has dropped
                    # (restart, idle timeout), nor keep one past its max age.
                    close_old_connections()
                    self.run_job(job)
                    close_old_connections()
                    next_run[job.command] = time.monotonic() + job.every_seconds
            self.sleep(options["tick"])
        self.stdout.write("scheduler: stopped")

    def stop(self, signum, frame) -> None:
        self.stopping = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))

    def run_job(self, job: Job) -> bool:
        started = time.monotonic()
        try:
            call_command(job.command, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            logger.exception("scheduled command %s failed", job.command)
            return False
        self.stdout.write(f"scheduler: {job.command} done in {time.monotonic() - started:.2f}s")
        return True
