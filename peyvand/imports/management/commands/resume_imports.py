from django.core.management.base import BaseCommand

from peyvand.imports.models import ImportJob
from peyvand.imports.services import resume_stale_jobs, run_job


class Command(BaseCommand):
    help = (
        "Queue again the imports a dead worker left running or queued; they continue from "
        "their checkpoint. --inline runs them in this process instead of a worker."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Also jobs that look alive.")
        parser.add_argument("--inline", action="store_true", help="Run them here and now.")

    def handle(self, *args, force: bool = False, inline: bool = False, **options) -> None:
        ids = resume_stale_jobs(force=force)
        for job_id in ids:
            if inline:
                run_job(job_id)
            job = ImportJob.objects.get(pk=job_id)
            self.stdout.write(f"{job_id}\t{job.status}\t{job.rows_done}/{job.rows_total or '?'}")
        self.stdout.write(f"{len(ids)} import(s) resumed")
