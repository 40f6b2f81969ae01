"""Benchmark: import N Persian contacts from a CSV through the product's own import engine.

    # SQLite (a throw-away database file, migrated first)
    SQLITE_PATH=/tmp/bench_import.sqlite3 .venv/bin/python bench/import_contacts.py -n 100000
    # PostgreSQL (an empty database)
    createdb -h 127.0.0.1 -U postgres peyvand_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peyvand_bench_import \\
        .venv/bin/python bench/import_contacts.py -n 100000

End to end, as a user's import runs: generate the CSV, upload it (`imports.services.create_job`:
encoding, delimiter and header detection), map its Persian headers with the mapping page's own
suggestions, then run the job (`run_job`, what the background task calls): read the file, clean
every row (in --workers processes, the engine's IMPORTS_CLEAN_PROCESSES), write in batches of
--batch rows, each one transaction with its checkpoint, undo records and failed rows. Then the
same file again (idempotent re-import by external id). Prints rows/s of each run; the time
counts from the start of run_job to the finished job. The 1,000,000-row run: -n 1000000.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peyvand.settings")
os.environ.setdefault("MEDIA_ROOT", "/tmp/peyvand-bench-import-media")  # the uploaded CSVs
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SQLITE_PATH", "/tmp/bench_import.sqlite3")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from peyvand.core.national_ids import generate_national_id  # noqa: E402
from peyvand.core.persian import to_persian_digits  # noqa: E402
from peyvand.imports.registry import (  # noqa: E402
    FILL,
    SKIP,
)

FIRST = [
    "علی",
    "زهرا",
    "محمد",
    "فاطمه",
    "رضا",
    "مریم",
    "حسین",
    "سارا",
    "مهدی",
    "نرگس",
    "علي",
    "كاوه",
]
LAST = ["رضایی", "محمدی", "حسینی", "احمدی", "کریمی", "موسوی", "جعفری", "صادقی", "رحیمی", "كاظمي"]
PLACES = [("تهران", "تهران"), ("اصفهان", "اصفهان"), ("فارس", "شیراز"), ("خراسان رضوی", "مشهد")]
TITLES = ["مدیر فروش", "کارشناس خرید", "مدیرعامل", "حسابدار", ""]
HEADERS = [
    "شناسه",
    "نام",
    "نام خانوادگی",
    "موبایل",
    "تلفن",
    "ایمیل",
    "کد ملی",
    "تاریخ تولد",
    "استان",
    "شهر",
    "نشانی",
    "کد پستی",
    "شرکت",
    "سمت",
    "برچسب‌ها",
]


def generate(path: Path, n: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for i in range(n):
            province, city = rng.choice(PLACES)
            mobile = f"0912{i:07d}" if i < 10_000_000 else f"0935{i % 10_000_000:07d}"
            birthday = (
                f"{rng.randint(1330, 1385)}/{rng.randint(1, 12):02d}/{rng.randint(1, 29):02d}"
            )
            writer.writerow(
                [
                    f"OLD-{i}",
                    rng.choice(FIRST),
                    f"{rng.choice(LAST)} {i}",
                    to_persian_digits(mobile) if i % 2 else mobile,
                    f"021{rng.randint(20000000, 99999999)}" if i % 5 == 0 else "",
                    f"user{i}@example.ir",
                    generate_national_id(f"{i:09d}") if i % 100 else "1234567890",  # 1% invalid
                    to_persian_digits(birthday) if i % 3 else birthday,
                    province,
                    city,
                    f"خیابان {rng.randint(1, 300)}، پلاک {rng.randint(1, 90)}",
                    f"{rng.randint(1000000000, 9999999999)}",
                    f"شرکت نمونه {i % max(n // 50, 1)}" if i % 4 else "",
                    rng.choice(TITLES),
                    "مشتری، نمایشگاه ۱۴۰۳" if i % 7 == 0 else "",
                ]
            )


def run_import(path: Path, *, mode: str, batch: int, workers: int, user, source: str) -> dict:
    from django.conf import settings
    from django.core.files import File

    from peyvand.imports import services

    settings.IMPORTS_BATCH_SIZE = batch
    settings.IMPORTS_CLEAN_PROCESSES = workers
    settings.IMPORTS_MAX_BYTES = max(path.stat().st_size, services.max_file_bytes())
    with path.open("rb") as f:
        job = services.create_job(user, File(f, name=path.name), target="contacts")
    job = services.set_mapping(
        job, user, target="contacts", mapping=job.mapping, options={"mode": mode, "source": source}
    )
    # Load the URLconf (every app's views and API schemas) before timing: the search document's
    # url reverse() pays it once per process, seconds on a busy machine.
    reverse("contacts:contact_detail", args=[1])
    job.status = "queued"
    job.save(update_fields=["status"])
    started = time.perf_counter()
    cpu_started = time.process_time()
    status = services.run_job(job.pk)
    job.refresh_from_db()
    return {
        "status": status,
        "message": job.message,
        "rows": job.rows_done,
        "errors": job.failed_count,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "total_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu_started,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes cleaning rows"
    )
    parser.add_argument("--csv", type=Path, default=Path("/tmp/bench_contacts.csv"))
    parser.add_argument("--no-reimport", action="store_true")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"load average before: {os.getloadavg()}, CPUs: {os.cpu_count()}")
    call_command("migrate", verbosity=0)
    from peyvand.accounts.models import User
    from peyvand.contacts.models import Contact

    if Contact.objects.exists():
        sys.exit("The database already has contacts: use an empty one.")
    user, _ = User.objects.get_or_create(username="bench-importer", defaults={"is_superuser": True})

    t = time.perf_counter()
    generate(args.csv, args.n)
    print(f"generated {args.n} rows in {time.perf_counter() - t:.1f}s -> {args.csv}")

    options = {"batch": args.batch, "workers": args.workers, "user": user, "source": "bench"}
    first = run_import(args.csv, mode=SKIP, **options)
    report("first import (skip mode)", first)
    if not args.no_reimport:
        again = run_import(args.csv, mode=FILL, **options)
        report("re-import of the same file (fill mode)", again)
    print(f"contacts in database: {Contact.objects.count()}")


def report(title: str, s: dict) -> None:
    rate = s["rows"] / s["total_s"] if s["total_s"] else 0
    print(
        f"{title}: {s['rows']} rows in {s['total_s']:.1f}s = {rate:,.0f} rows/s end to end "
        f"(job {s['status']}, job-process CPU {s['cpu_s']:.1f}s); "
        f"created {s.get('created', 0)}, "
        f"updated {s.get('updated', 0)}, skipped {s.get('skipped', 0)}, "
        f"row errors {s['errors']}"
    )


if __name__ == "__main__":
    main()
