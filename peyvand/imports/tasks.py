"""Background jobs of the imports app (django-tasks)."""

from django_tasks import task

from .services import run_job


@task()
def run_import(job_id: int) -> str:
    """Run or continue an import from its checkpoint; safe to enqueue twice."""
    return run_job(job_id)
