"""Big files of targets with pure cleaning are cleaned in worker processes: same rows, same
errors, same order as cleaning in the job's own process."""

import pytest

from peyvand.contacts.models import Contact
from peyvand.imports import registry
from peyvand.imports.cleaning import processes_for
from peyvand.imports.models import FailedRow

from .conftest import mapped_job


def people_csv(n: int) -> bytes:
    lines = ["شناسه,نام,نام خانوادگی,موبایل,تاریخ تولد"]
    for i in range(n):
        mobile = "12345" if i % 10 == 3 else f"0912{i:07d}"  # every tenth row is bad
        lines.append(f"P-{i},علی,رضایی {i},{mobile},۱۳۷۰/۰۱/{i % 28 + 1:02d}")
    return ("\n".join(lines) + "\n").encode()


def test_small_files_and_impure_targets_are_cleaned_in_the_job_process(settings):
    settings.IMPORTS_CLEAN_PROCESSES = 2
    settings.IMPORTS_PARALLEL_MIN_ROWS = 1000
    contacts = registry.get_target("contacts")
    assert processes_for(contacts, 999) == 0
    assert processes_for(contacts, 1000) == 2

    class Impure(registry.ImportTarget):
        code = "impure"

    assert processes_for(Impure(), 10**6) == 0
    settings.IMPORTS_CLEAN_PROCESSES = 1
    assert processes_for(contacts, 10**6) == 0


@pytest.mark.django_db
def test_rows_cleaned_in_worker_processes_import_like_in_process(settings, admin_user, run_job):
    settings.IMPORTS_BATCH_SIZE = 7
    contacts = registry.get_target("contacts")

    settings.IMPORTS_PARALLEL_MIN_ROWS = 10**9  # serial
    serial = run_job(
        mapped_job(admin_user, contacts, "a.csv", content=people_csv(40), source="a"), admin_user
    )
    serial_contacts = list(
        Contact.objects.order_by("pk").values_list("last_name", "birthday", "primary_phone")
    )
    serial_failed = list(FailedRow.objects.filter(job=serial).values_list("row_number", "errors"))

    settings.IMPORTS_PARALLEL_MIN_ROWS = 1
    settings.IMPORTS_CLEAN_PROCESSES = 2
    parallel = run_job(
        mapped_job(admin_user, contacts, "b.csv", content=people_csv(40), source="b"), admin_user
    )
    assert (parallel.status, parallel.rows_done) == ("done", 40), parallel.message
    assert (parallel.created_count, parallel.failed_count) == (0, 4)  # same people: skipped
    assert parallel.skipped_count == 36
    assert (
        list(FailedRow.objects.filter(job=parallel).values_list("row_number", "errors"))
        == serial_failed
    )
    Contact.objects.all().delete()
    again = run_job(
        mapped_job(admin_user, contacts, "c.csv", content=people_csv(40), source="c"), admin_user
    )
    assert again.created_count == 36
    assert (
        list(Contact.objects.order_by("pk").values_list("last_name", "birthday", "primary_phone"))
        == serial_contacts
    )
