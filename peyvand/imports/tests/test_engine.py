"""Running imports end to end on real files with the test target."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from peyvand.imports import registry, services
from peyvand.imports.models import STALE_AFTER, FailedRow, ImportedRecord, ImportStatus

from .conftest import mapped_job, upload

User = get_user_model()


def imported(**filters):
    return User.objects.filter(username__startswith="imp:", **filters)


def report_rows(job):
    job.error_report.open("rb")
    raw = job.error_report.read()
    job.error_report.close()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show Persian
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_headers_in_persian_are_mapped_automatically(admin_user, people):
    job = services.create_job(admin_user, upload("excel_bom_semicolon.csv"), target=people.code)
    assert job.mapping == {
        "شناسه": "external_id",
        "نام": "first_name",
        "نام خانوادگی": "last_name",
        "موبایل": "phone",
        "ایمیل": "email",
        "تاریخ عضویت": "joined",
        "بودجه": "budget",
    }
    assert (job.encoding, job.delimiter, job.status) == ("utf-8-sig", ";", ImportStatus.UPLOADED)


def test_preview_shows_rows_as_stored_with_their_errors(admin_user, people):
    job = mapped_job(admin_user, people, "excel_bom_semicolon.csv")
    rows = services.preview(job)
    assert [r.number for r in rows] == [2, 3, 4, 5, 6, 7]
    first = dict(rows[0].values)
    assert first["Mobile"] == "۰۹۱۲ ۱۲۳ ۴۵۶۷" or "۹۱۲" in first["Mobile"]
    assert first["Joined"] == "۱۴۰۳/۰۵/۱۲"
    assert dict(rows[1].values)["Budget"].startswith("۲۰٬۰۰۰٬۰۰۰")  # 2,000,000 toman in rials
    assert rows[0].errors == []
    assert any(e.startswith("Mobile:") for e in rows[3].errors)  # "12345"
    assert any(e.startswith("Joined:") for e in rows[4].errors)  # 1403/13/40
    assert not imported().exists()  # preview writes nothing


def test_import_creates_good_rows_and_reports_bad_and_duplicate_ones(admin_user, people, run_job):
    job = run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    assert job.status == ImportStatus.DONE, job.message
    assert (job.rows_total, job.rows_done) == (6, 6)
    assert (job.created_count, job.skipped_count, job.failed_count) == (3, 1, 2)
    ali = imported().get(username="imp:+989121234567")
    assert (ali.first_name, ali.last_name, ali.email) == ("علی", "رضایی", "ali@example.com")
    assert imported(username="imp:+989127654321", email="maryam@example.com").exists()
    assert imported(username="imp:+989351112233").exists()  # Arabic-Indic digits
    lines = report_rows(job)
    assert lines[0][-1] in ("errors", "خطاها")
    assert lines[0][:-1] == job.headers
    assert [line[0] for line in lines[1:]] == ["A-4", "A-5"]
    assert "12345" in lines[1]
    assert lines[2][-1].startswith("Joined:") or "Joined" in lines[2][-1]


def test_windows_1256_file_is_imported_with_persian_letters(admin_user, people, run_job):
    job = run_job(mapped_job(admin_user, people, "windows_1256.csv"), admin_user)
    assert job.created_count == 3, job.message
    # Arabic yeh from the code page is stored as Persian yeh (normalize_text)
    assert imported(first_name="حسین", last_name="محمدی").exists()


def test_xlsx_and_vcard_files_import(admin_user, people, run_job):
    job = run_job(mapped_job(admin_user, people, "people.xlsx"), admin_user)
    assert (job.created_count, job.failed_count) == (2, 1), job.message
    parisa = imported().get(username="imp:+989121239999")
    assert parisa.email == "parisa@example.com"

    job = services.create_job(admin_user, upload("contacts.vcf"), target=people.code)
    mapping = {
        "First name": "first_name",
        "Last name": "last_name",
        "Phone": "phone",
        "Email": "email",
        "UID": "external_id",
    }
    job = services.set_mapping(
        job, admin_user, target=people.code, mapping=mapping, options={"source": "phone-book"}
    )
    job = run_job(job, admin_user)
    assert (job.created_count, job.failed_count) == (2, 1)
    assert imported(first_name="فاطمه", username="imp:+989121110001").exists()


def test_reimporting_the_same_file_with_external_ids_creates_nothing_new(
    admin_user, people, run_job
):
    run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    count = imported().count()
    again = run_job(
        mapped_job(admin_user, people, "excel_bom_semicolon.csv", mode=registry.CREATE), admin_user
    )
    assert again.created_count == 0
    assert imported().count() == count


def test_overwrite_mode_updates_and_remembers_previous_values(admin_user, people, run_job):
    run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    changed = "شناسه;نام;موبایل\nB-1;علیرضا;09121234567\n".encode()
    job = run_job(
        mapped_job(admin_user, people, "fix.csv", content=changed, mode=registry.OVERWRITE),
        admin_user,
    )
    assert job.updated_count == 1
    assert imported().get(username="imp:+989121234567").first_name == "علیرضا"
    record = ImportedRecord.objects.get(job=job)
    assert record.previous == {"first_name": "علی"}


def test_fill_mode_only_fills_empty_fields(admin_user, people, run_job):
    run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    content = "نام;نام خانوادگی;موبایل;ایمیل\nX;Y;09351112233;reza@example.com\n".encode()
    job = run_job(
        mapped_job(admin_user, people, "fill.csv", content=content, mode=registry.FILL), admin_user
    )
    reza = imported().get(username="imp:+989351112233")
    assert (reza.first_name, reza.email) == ("رضا", "reza@example.com")
    assert job.updated_count == 1


def _big_file(rows: int) -> bytes:
    lines = ["first name,mobile"] + [f"P{i},0912{i:07d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_crash_in_a_batch_keeps_earlier_batches_and_resume_adds_no_duplicates(
    admin_user, people, run_job, settings
):
    settings.IMPORTS_BATCH_SIZE = 10
    job = mapped_job(admin_user, people, "big.csv", content=_big_file(35))
    people.fail_on_row = 25  # the third batch (rows 22-31) dies
    job = run_job(job, admin_user)
    assert job.status == ImportStatus.FAILED
    assert "21" in job.message
    assert (job.checkpoint, job.rows_done, job.created_count) == (21, 20, 20)
    assert imported().count() == 20  # the failed batch left nothing behind
    assert ImportedRecord.objects.filter(job=job).count() == 20

    people.fail_on_row = None
    job = run_job(job, admin_user, resume=True)
    assert job.status == ImportStatus.DONE
    assert (job.rows_done, job.created_count, job.checkpoint) == (35, 35, 36)
    assert imported().count() == 35
    assert people.batches[-2:] == [list(range(22, 32)), list(range(32, 37))]


def test_a_job_left_running_by_a_dead_worker_is_resumed_by_the_command(
    admin_user, people, run_job, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command
    from django.utils import timezone

    settings.IMPORTS_BATCH_SIZE = 10
    job = mapped_job(admin_user, people, "big.csv", content=_big_file(25))
    people.fail_on_row = 15
    job = run_job(job, admin_user)
    # as if the worker had been killed: still "running", heartbeat long ago
    job.status = ImportStatus.RUNNING
    job.heartbeat_at = timezone.now() - STALE_AFTER * 2
    job.save()
    people.fail_on_row = None
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_imports", stdout=out)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert imported().count() == 25
    assert "1 import(s) resumed" in out.getvalue()


def test_a_live_running_job_is_not_resumed_twice(admin_user, people):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    job = mapped_job(admin_user, people, "tab.tsv")
    job.status = ImportStatus.RUNNING
    job.heartbeat_at = timezone.now()
    job.save()
    with pytest.raises(ValidationError):
        services.resume(job, admin_user)


def test_cancel_stops_between_batches_and_resume_finishes(admin_user, people, run_job, settings):
    settings.IMPORTS_BATCH_SIZE = 10
    job = mapped_job(admin_user, people, "big.csv", content=_big_file(30))
    people.cancel_on_row = 12  # the user presses cancel while batch 2 is being written
    job = run_job(job, admin_user)
    assert job.status == ImportStatus.CANCELLED
    assert job.created_count == 20
    assert imported().count() == 20
    people.cancel_on_row = None
    job = run_job(job, admin_user, resume=True)
    assert (job.status, job.created_count) == (ImportStatus.DONE, 30)


def test_cancel_before_the_run(admin_user, people):
    job = mapped_job(admin_user, people, "tab.tsv")
    services.cancel(job, admin_user)
    assert job.status == ImportStatus.CANCELLED
    assert services.run_job(job.pk) == ImportStatus.CANCELLED
    assert not imported().exists()


def test_error_report_round_trip(admin_user, people, run_job):
    job = run_job(mapped_job(admin_user, people, "excel_bom_semicolon.csv"), admin_user)
    lines = report_rows(job)
    # the user fixes the two rows in the report and imports it again
    lines[1][3] = "09121115555"
    lines[2][5] = "1403/12/01"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(lines)
    again = services.create_job(
        admin_user, upload("errors.csv", ("\ufeff" + fixed.getvalue()).encode()), target=people.code
    )
    assert "errors" not in again.mapping and "خطاها" not in again.mapping
    again = services.set_mapping(again, admin_user, target=people.code, mapping=again.mapping)
    again = run_job(again, admin_user)
    assert (again.created_count, again.failed_count) == (2, 0), list(
        FailedRow.objects.filter(job=again).values_list("errors", flat=True)
    )
    assert imported(username="imp:+989121115555", last_name="بی‌تلفن").exists()
    nima = imported().get(username="imp:+989121112233")
    assert nima.last_name == "تاریخ‌بد"


def test_mapping_problems_are_listed(admin_user, people):
    from django.core.exceptions import ValidationError

    job = services.create_job(admin_user, upload("tab.tsv"))
    with pytest.raises(ValidationError) as exc:
        services.set_mapping(
            job, admin_user, target=people.code, mapping={"mobile": "phone", "first name": "phone"}
        )
    messages = exc.value.message_dict["mapping"]
    assert len(messages) == 2  # phone twice, first name (required) unmapped


def test_dates_follow_the_job_calendar_for_two_digit_years(admin_user, people):
    field = people.field("joined")
    token = registry.using_context(
        registry.JobContext(user=admin_user, source="x", calendar=registry.JALALI)
    )
    try:
        assert registry.clean_value(field, "03/05/12") == date(2024, 8, 2)
    finally:
        registry.reset_context(token)
    assert registry.clean_value(field, "02/08/2024") == date(2024, 8, 2)


def test_cells_quoted_by_our_own_export_are_read_back(people):
    assert registry.clean_value(people.field("phone"), "'+989121234567") == "+989121234567"
    assert registry.clean_value(people.field("last_name"), "'-منفی") == "-منفی"


def test_uploads_are_stored_under_a_random_name_with_the_detected_format(admin_user, people):
    job = services.create_job(
        admin_user,
        upload("page.html", "نام,موبایل\nعلی,09121234567\n".encode()),
        target=people.code,
    )
    stored = job.file.name
    assert stored.startswith("imports/") and stored.endswith(".csv")
    assert "page" not in stored and job.original_name == "page.html"
