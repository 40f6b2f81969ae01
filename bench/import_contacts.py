"""Benchmark: import N Persian contacts from a CSV through the contacts import target.

    # SQLite (a throw-away database file, migrated first)
    SQLITE_PATH=/tmp/bench_import.sqlite3 .venv/bin/python bench/import_contacts.py -n 100000
    # PostgreSQL (an empty database)
    createdb -h 127.0.0.1 -U postgres peyvand_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peyvand_bench_import \\
        .venv/bin/python bench/import_contacts.py -n 100000 --workers 2

End to end: generate the CSV, read it, map its Persian headers to target fields (the same
header_keys the mapping page uses), clean every row (`ContactTarget.clean_row`, optionally in
worker processes: a cleaned row is pure Python), write in batches of --batch rows, each in one
transaction (`write_batch`), then run the same file again (idempotent re-import by external id).
Prints rows/s for each phase. The 1,000,000-row run: -n 1000000 (not run in CI).
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
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SQLITE_PATH", "/tmp/bench_import.sqlite3")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from peyvand.core.national_ids import generate_national_id  # noqa: E402
from peyvand.core.persian import search_key, to_persian_digits  # noqa: E402
from peyvand.imports.registry import (  # noqa: E402
    FILL,
    SKIP,
    ImportRow,
    JobContext,
    get_target,
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


def header_mapping(target, headers: list[str]) -> dict[str, str]:
    by_key = {}
    for spec in target.fields:
        for key in spec.header_keys():
            by_key.setdefault(key, spec.name)
    return {h: by_key[search_key(h)] for h in headers if search_key(h) in by_key}


_TARGET = None


def _clean(item: tuple[int, dict[str, str]]):
    global _TARGET
    if _TARGET is None:
        _TARGET = get_target("contacts")
    number, values = item
    row = _TARGET.clean_row(values)
    return number, row.values, row.errors


def read_rows(path: Path, mapping: dict[str, str]):
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        headers = next(reader)
        columns = [(i, mapping[h]) for i, h in enumerate(headers) if h in mapping]
        for number, cells in enumerate(reader, start=2):
            yield number, {name: cells[i] for i, name in columns if cells[i]}


def run_import(path: Path, *, mode: str, batch: int, workers: int, user) -> dict:
    target = get_target("contacts")
    with path.open(encoding="utf-8") as f:
        mapping = header_mapping(target, next(csv.reader(f)))
    context = JobContext(user=user, source="bench", mode=mode)
    stats = {"rows": 0, "errors": 0, "created": 0, "updated": 0, "skipped": 0, "write_s": 0.0}
    # Load the URLconf (every app's views and API schemas) before timing: the search document's
    # url reverse() pays it once per process, seconds on a busy machine.
    reverse("contacts:contact_detail", args=[1])
    started = time.perf_counter()
    cpu_started = time.process_time()
    pool = None
    if workers > 1:
        import multiprocessing

        connection.close()  # forked workers must not share the connection
        pool = multiprocessing.get_context("fork").Pool(workers)
        cleaned = pool.imap(_clean, read_rows(path, mapping), chunksize=500)
    else:
        cleaned = map(_clean, read_rows(path, mapping))
    pending: list[ImportRow] = []

    def flush() -> None:
        t = time.perf_counter()
        with transaction.atomic():
            outcomes = target.write_batch(pending, job_context=context, mode=mode)
        stats["write_s"] += time.perf_counter() - t
        for outcome in outcomes:
            stats[outcome.action] = stats.get(outcome.action, 0) + 1
        pending.clear()

    for number, values, errors in cleaned:
        stats["rows"] += 1
        if errors:
            stats["errors"] += 1
            continue
        pending.append(ImportRow(number, values))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    if pool is not None:
        pool.close()
        pool.join()
    stats["total_s"] = time.perf_counter() - started
    stats["cpu_s"] = time.process_time() - cpu_started
    return stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="processes cleaning rows")
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
    user, _ = User.objects.get_or_create(username="bench-importer")

    t = time.perf_counter()
    generate(args.csv, args.n)
    print(f"generated {args.n} rows in {time.perf_counter() - t:.1f}s -> {args.csv}")

    first = run_import(args.csv, mode=SKIP, batch=args.batch, workers=args.workers, user=user)
    report("first import (skip mode)", first)
    if not args.no_reimport:
        again = run_import(args.csv, mode=FILL, batch=args.batch, workers=args.workers, user=user)
        report("re-import of the same file (fill mode)", again)
    print(f"contacts in database: {Contact.objects.count()}")


def report(title: str, s: dict) -> None:
    rate = s["rows"] / s["total_s"] if s["total_s"] else 0
    print(
        f"{title}: {s['rows']} rows in {s['total_s']:.1f}s = {rate:,.0f} rows/s end to end "
        f"(write_batch {s['write_s']:.1f}s, main-process CPU {s['cpu_s']:.1f}s); "
        f"created {s.get('created', 0)}, "
        f"updated {s.get('updated', 0)}, skipped {s.get('skipped', 0)}, "
        f"row errors {s['errors']}"
    )


if __name__ == "__main__":
    main()
