"""Background jobs of the leads app (django-tasks)."""

from django_tasks import task

from .services import rescore_open_leads


@task()
def rescore_open_leads_job() -> int:
    """After scoring rules change: recompute every open lead's score and band."""
    return rescore_open_leads()
