from django_tasks import task

from . import services


@task()
def run_list_export(export_id: int) -> None:
    services.run_list_export(export_id)


@task()
def run_account_export(export_id: int) -> None:
    services.run_account_export(export_id)
