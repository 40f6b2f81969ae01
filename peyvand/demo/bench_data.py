"""A large, realistic data set for benchmarks (`manage.py seed_bench`).

Where `foundation` walks records through the services to show the product, this writes millions
of rows straight into the tables, in the stored form the services would have produced: COPY on
PostgreSQL, executemany on SQLite, with the big tables' secondary indexes and foreign keys
dropped during the load and rebuilt once at the end (one sort instead of millions of b-tree
inserts). Names, places and texts come from the demo data modules, so the bench data reads like
the demo.

Everything is derived from one seeded random generator and an anchor moment, with ids assigned
here (not by the database), so the same seed and anchor give the same rows on either engine.

Denormalised columns are filled as the services fill them: Contact/Company.primary_phone,
primary_email, province/city (from the primary address), last_contacted_at (latest interaction
on the timeline), order and deal totals (commerce's arithmetic), ticket numbers, deal board
positions. The search index is written with the apps' own document functions and
`search.services.build_terms`; on SQLite the FTS5 table is rebuilt once instead of through its
triggers, on PostgreSQL the tsvector column is generated and its GIN index rebuilt.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from peyvand.accounts.models import Department, Role, Team, User
from peyvand.accounts.roles import ensure_default_roles
from peyvand.commerce import demo_data as commerce_demo
from peyvand.commerce.models import (
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductCategory,
)
from peyvand.commerce.search_index import order_document
from peyvand.commerce.services import (
    AUTO_NUMBER_PREFIX,
    compute_totals,
    create_product,
    plain_amount,
)
from peyvand.contacts.models import (
    Address,
    Company,
    Contact,
    Email,
    LifecycleStage,
    Membership,
    Phone,
    SourceChannel,
    Tag,
)
from peyvand.contacts.search_index import company_document, contact_document
from peyvand.core.national_ids import generate_company_national_id, generate_national_id
from peyvand.core.persian import normalize_text, to_persian_digits
from peyvand.leads import demo_data as leads_demo
from peyvand.leads.models import Band, Lead, LeadStatus
from peyvand.leads.search_index import lead_document
from peyvand.sales import demo_data as sales_demo
from peyvand.sales.models import Deal, DealProduct, StageChange, StageKind
from peyvand.sales.search_index import deal_document
from peyvand.sales.selectors import default_pipeline
from peyvand.sales.services import POSITION_GAP
from peyvand.search.models import SearchEntry
from peyvand.search.services import SearchDocument, build_terms
from peyvand.service import demo_data as service_demo
from peyvand.service.models import Ticket, TicketCategory, TicketStatus
from peyvand.service.search_index import ticket_document
from peyvand.service.services import lowest_tier
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry
from peyvand.timeline.registry import interaction_kinds

from . import foundation as demo

M = TypeVar("M", bound=models.Model)
DEFAULT_SEED = 1403
HERO_ENTRIES = 200
# Rows generated and written per round: big enough for fast COPY/executemany, small enough that
# a million contacts never sit in memory as model instances.
CHUNK = 20_000
USER_PREFIX = "bench_"
ADMIN_USERNAME = "bench_admin"
PASSWORD = demo.DEMO_PASSWORD
# The hero: a Persian name with ک and ی, so its Arabic-keyboard spelling (ك/ي) must find it.
HERO_NAME = ("کامران", "کریمی", "Kamran", "Karimi")
SEARCH_KINDS = ("contact", "company", "order", "deal", "ticket", "lead")
TEHRAN_OFFSET = 12_600  # seconds east of UTC (+03:30); Iran has no daylight saving time.
DAY = 86_400

# Latin-script names for the ~15% of contacts entered in English.
ENGLISH_FIRST_NAMES = [
    "John", "Emma", "Michael", "Olivia", "David", "Sophia", "James", "Mia", "Daniel", "Laura",
    "Thomas", "Anna", "Peter", "Julia", "Mark", "Sarah", "Lucas", "Elena", "Omar", "Lina",
]  # fmt: skip
ENGLISH_LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Miller", "Wilson", "Taylor", "Anderson", "Thomas", "Moore",
    "Martin", "Schmidt", "Fischer", "Rossi", "Dubois", "Novak", "Yilmaz", "Haddad", "Khan",
]  # fmt: skip
# Sales teams under "فروش"; each gets a manager and reps. (name, reps)
SALES_TEAMS = [
    ("فروش تهران", 10),
    ("فروش اصفهان", 7),
    ("فروش مشهد", 7),
    ("فروش شیراز", 6),
    ("فروش تبریز", 6),
]
SUPPORT_AGENTS = 6
MARKETERS = 3
INTERACTIONS = ["note", "call", "email", "meeting", "sms"]
INTERACTION_WEIGHTS = [25, 35, 20, 8, 12]
STAGES = [
    LifecycleStage.LEAD,
    LifecycleStage.PROSPECT,
    LifecycleStage.CUSTOMER,
    LifecycleStage.LOYAL,
    LifecycleStage.CHURNED,
]


class BenchDataExists(Exception):
    """The database already holds CRM records (pass flush=True to replace them)."""


@dataclass(frozen=True)
class BenchSize:
    contacts: int
    companies: int
    entries: int
    orders: int
    deals: int
    tickets: int
    tasks: int
    leads: int

    @classmethod
    def scaled(cls, contacts: int, **overrides: int | None) -> BenchSize:
        """Every other size from the number of contacts, unless given."""
        sizes = {
            "companies": max(1, contacts // 5),
            "entries": contacts * 5,
            "orders": contacts,
            "deals": max(1, contacts // 100),
            "tickets": max(1, contacts // 10),
            "tasks": contacts // 2,
            "leads": contacts // 10,
        }
        sizes.update({name: value for name, value in overrides.items() if value is not None})
        size = cls(contacts=contacts, **sizes)
        if contacts < 10:
            raise ValueError("contacts must be at least 10.")
        if min(sizes.values()) < 0 or size.companies < 1:
            raise ValueError("sizes cannot be negative, and at least one company is needed.")
        return size


@dataclass
class BenchResult:
    counts: dict[str, int]
    hero_contact_id: int
    pipeline_id: int
    open_deals_in_pipeline: int
    search_samples: dict[str, str]
    users: dict[str, str]
    seconds: dict[str, float] = field(default_factory=dict)
    fixture_path: str = ""

    def fixture(self, *, seed: int, anchor: dt.datetime) -> dict:
        return {
            "format": 1,
            "seed": seed,
            "anchor": anchor.isoformat(),
            "database": connection.vendor,
            "counts": self.counts,
            "hero_contact_id": self.hero_contact_id,
            "hero_timeline_entries": HERO_ENTRIES,
            "pipeline_id": self.pipeline_id,
            "pipeline_open_deals": self.open_deals_in_pipeline,
            "users": self.users,
            "search": self.search_samples,
            "seconds": self.seconds,
        }


def default_fixture_path() -> Path:
    return Path(settings.VAR_DIR) / "bench-fixture.json"


def has_data() -> bool:
    return any(
        model.objects.exists()
        for model in (Contact, Company, TimelineEntry, Task, Lead, Order, Deal, Ticket)
    )


def seed(
    size: BenchSize,
    *,
    seed: int = DEFAULT_SEED,
    flush: bool = False,
    anchor: dt.datetime | None = None,
    fixture_path: Path | str | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BenchResult:
    """Write the data set; raise BenchDataExists when there is data already and not `flush`.

    `anchor` is "now" for the data (dates are spread before and after it); default: the start
    of the current hour, so two runs within the hour write identical rows."""
    if has_data() and not flush:
        raise BenchDataExists
    anchor = anchor or timezone.now().replace(minute=0, second=0, microsecond=0)
    sqlite = connection.vendor == "sqlite"
    restore = _sqlite_bulk_pragmas() if sqlite else None
    try:
        with transaction.atomic():
            loader = _Loader(size, random.Random(seed), anchor, log)
            result = loader.run(flush=flush)
    finally:
        if restore:
            restore()
    started = time.monotonic()
    _analyze()
    result.seconds["analyze"] = round(time.monotonic() - started, 1)
    path = Path(fixture_path) if fixture_path else default_fixture_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = result.fixture(seed=seed, anchor=anchor)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result.fixture_path = str(path)
    return result


# --- database plumbing ----------------------------------------------------------------------


def _sqlite_bulk_pragmas() -> Callable[[], None] | None:
    """No fsync and no per-row foreign key lookups while loading (PRAGMA foreign_keys cannot
    change inside a transaction, so under a test's transaction the checks simply stay on)."""
    if connection.in_atomic_block:  # e.g. under a test's transaction
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = cursor.fetchone()[0]
        for pragma in (
            "synchronous=OFF",
            "foreign_keys=OFF",
            "cache_size=-262144",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")

    def restore() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            cursor.execute(f"PRAGMA foreign_keys={int(foreign_keys)}")
            cursor.execute("PRAGMA cache_size=-2000")

    return restore


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Sampled statistics: a full ANALYZE of millions of rows takes minutes on SQLite.
            cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")


def _settle_constraints() -> None:
    """Run the foreign key checks still queued in this transaction (PostgreSQL): pending ones,
    from rows written earlier in it (as in tests, or by the flush), block TRUNCATE and ALTER."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _fts_triggers_sql() -> list[str]:
    migration = importlib.import_module("peyvand.search.migrations.0002_full_text_index")
    return migration.SQLITE_TRIGGERS


class _Writer:
    """Rows (tuples of stored values) into one table: COPY or executemany."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        # Timestamps travel as text: "+00" makes PostgreSQL read them as UTC; Django keeps
        # naive UTC text on SQLite.
        self._ts_format = "%Y-%m-%d %H:%M:%S+00" if self.postgres else "%Y-%m-%d %H:%M:%S"

    def ts(self, epoch: float | None) -> str | None:
        if epoch is None:
            return None
        return time.strftime(self._ts_format, time.gmtime(epoch))

    def write(self, model: type[models.Model], fields: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        opts = model._meta
        columns = ", ".join(connection.ops.quote_name(opts.get_field(f).column) for f in fields)
        table = connection.ops.quote_name(opts.db_table)
        if self.postgres:
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(fields))
            connection.ensure_connection()
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows
            )
        self.counts[opts.label] = self.counts.get(opts.label, 0) + len(rows)


def _closure(roots: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """The roots and every model that (transitively) has a foreign key to one of them: what a
    CASCADE from the roots would empty."""
    found = {m for m in roots}
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and m._meta.managed
    ]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in found:
                continue
            if any(
                f.many_to_one or f.one_to_one
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model in found
            ):
                found.add(model)
                changed = True
    return sorted(found, key=lambda m: m._meta.db_table)


class _IndexSwap:
    """Drop secondary indexes (and, on PostgreSQL, foreign keys) of the big tables for the load;
    `restore()` recreates them from their own definitions."""

    def __init__(self, models_: Iterable[type[models.Model]]) -> None:
        self.indexes: list[str] = []
        self.constraints: list[str] = []
        postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                if postgres:
                    cursor.execute(
                        "SELECT ci.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                        "JOIN pg_class ci ON ci.oid = x.indexrelid "
                        "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
                        "AND c.conrelid = x.indrelid)",
                        [table],
                    )
                    for name, sql in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        self.indexes.append(sql)
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'f'",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                        self.constraints.append(
                            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                        )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = %s AND sql IS NOT NULL",
                        [table],
                    )
                    for name, sql in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        self.indexes.append(sql)

    def restore(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for sql in [*self.indexes, *self.constraints]:
                cursor.execute(sql)


_TEMPLATES: dict[type[models.Model], dict] = {}


def _instance(model: type[M], **values) -> M:
    """An unsaved model instance for a document function, without Model.__init__ (which
    computes every field's default: a third of the seed's time). `values` by attname."""
    template = _TEMPLATES.get(model)
    if template is None:
        template = {k: v for k, v in model().__dict__.items() if k != "_state"}
        _TEMPLATES[model] = template
    obj = model.__new__(model)
    obj.__dict__.update(template)
    obj._state = ModelState()
    obj.__dict__.update(values)
    return obj


# --- the generator --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _order_amounts(lines: tuple[tuple[str, int, str, str, str], ...]) -> tuple:
    """Commerce's arithmetic for one combination of (sku, quantity, price, discount, tax rate,
    cost) lines; cached, as bench orders repeat a few thousand combinations."""
    totals = compute_totals(
        [
            {
                "quantity": Decimal(q),
                "unit_price": Decimal(price),
                "discount": Decimal(discount),
                "tax_rate": Decimal(rate),
                "unit_cost": Decimal(cost),
            }
            for _sku, q, price, discount, rate, cost in lines
        ]
    )
    return totals


@lru_cache(maxsize=4096)
def _deal_amount(lines: tuple[tuple[int, str, int], ...]) -> Decimal:
    """A deal's amount from its (quantity, unit price, discount %) lines, as sales computes it
    (services.lines_amount: commerce's totals with the percentage turned into an amount)."""
    return compute_totals(
        [
            {
                "quantity": Decimal(q),
                "unit_price": Decimal(price),
                "discount": Decimal(q) * Decimal(price) * Decimal(pct) / 100,
            }
            for q, price, pct in lines
        ]
    ).total


class _Loader:
    def __init__(self, size: BenchSize, rng: random.Random, anchor: dt.datetime, log) -> None:
        self.size = size
        self.rng = rng
        self.anchor = anchor
        self.now = anchor.timestamp()
        # Midnight in Tehran of the anchor day, as an epoch: the base for office-hour times.
        local = anchor.astimezone(dt.timezone(dt.timedelta(seconds=TEHRAN_OFFSET)))
        self.today = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        self.log = log
        self.w = _Writer()
        self.now_ts = self.w.ts(self.now)
        self.point_ids = {"phone": 0, "email": 0, "address": 0}
        self.seconds: dict[str, float] = {}
        self.entry_id = 0
        self.search_rows: list[tuple] = []
        self.search_id = 0
        self.phone_serial = 0
        self.landline_serial = 0
        self.place_weights = list(_cumulative([p[3] for p in demo.PLACES]))

    # --- small helpers ------------------------------------------------------------------------
    def past(self, max_days: int, min_days: int = 0) -> int:
        """An office-hours moment (Tehran) between min_days and max_days before the anchor."""
        rng = self.rng
        day = self.today - rng.randint(min_days, max_days) * DAY
        moment = day + rng.randint(8, 19) * 3600 + rng.randrange(0, 60, 5) * 60
        return min(moment, int(self.now) - rng.randint(5, 120) * 60)

    def between(self, start: float, end: float) -> int:
        return int(start + (end - start) * self.rng.random())

    def place(self) -> tuple[str, str, str]:
        province, city, area, _ = self.rng.choices(demo.PLACES, cum_weights=self.place_weights)[0]
        return province, city, area

    def mobile(self) -> str:
        """A fresh E.164 Iranian mobile: prefixes in turn, the 7 digits a bijection of the
        serial number (unique without remembering the ones given)."""
        n = self.phone_serial
        self.phone_serial += 1
        prefixes = demo.MOBILE_PREFIXES
        local = (n // len(prefixes) * 3_846_173 + 1_234_567) % 10_000_000
        return f"+98{prefixes[n % len(prefixes)]}{local:07d}"

    def landline(self, area: str) -> str:
        n = self.landline_serial
        self.landline_serial += 1
        local = (n * 3_846_173 + 7_654_321) % 10_000_000
        return f"+98{area}{2 + n // 10_000_000 % 7}{local:07d}"

    def national_id(self, n: int) -> str:
        body = (n * 7_654_321 + 100_000_003) % 1_000_000_000
        while True:
            try:
                return generate_national_id(f"{body:09d}")
            except ValueError:
                body = (body + 1) % 1_000_000_000

    def address_line(self, city: str) -> str:
        rng = self.rng
        street = rng.choice(demo.STREETS.get(city, demo.DEFAULT_STREETS))
        return _address_text(street, rng.randint(1, 40), rng.randint(1, 120))

    def postal_code(self) -> str:
        return f"{self.rng.randint(1, 9)}{self.rng.randrange(10**9):09d}"

    def timed(self, name: str, step: Callable[[], None]) -> None:
        started, cpu = time.monotonic(), time.process_time()
        step()
        self.seconds[name] = round(time.monotonic() - started, 1)
        # This process's CPU time too: on a shared machine the wall clock says little.
        self.log(f"{name}: {self.seconds[name]} s (cpu {time.process_time() - cpu:.1f} s)")

    def search(self, kind: str, object_id: int, doc: SearchDocument) -> None:
        self.search_id += 1
        self.search_rows.append(
            (
                self.search_id,
                kind,
                object_id,
                (doc.title or "")[:300],
                (doc.subtitle or "")[:300],
                (doc.url or "")[:300],
                build_terms(doc),
                doc.owner_id,
                doc.team_id,
                self.now_ts,
            )
        )
        if len(self.search_rows) >= CHUNK:
            self.flush_search()

    def flush_search(self) -> None:
        self.w.write(
            SearchEntry,
            [
                "id",
                "kind",
                "object_id",
                "title",
                "subtitle",
                "url",
                "terms",
                "owner_id",
                "team_id",
                "updated_at",
            ],
            self.search_rows,
        )
        self.search_rows = []

    def entry_row(
        self,
        kind: str,
        *,
        contact: int | None,
        company: int | None,
        when: float,
        author: int | None,
        subject: str = "",
        body: str = "",
        direction: str = "",
        duration: int | None = None,
        outcome: str = "",
        data: str = "{}",
        source_type: int | None = None,
        source_id: int | None = None,
    ) -> tuple:
        self.entry_id += 1
        ts = self.w.ts(when)
        return (
            self.entry_id, kind, contact, company, ts, author, subject, body, direction,
            duration, outcome, "", "", "", data, source_type, source_id, ts,
        )  # fmt: skip

    ENTRY_FIELDS = [
        "id", "kind", "contact", "company", "occurred_at", "author", "subject", "body",
        "direction", "duration_seconds", "outcome", "recording", "recording_name",
        "recording_content_type", "data", "source_type", "source_id", "created_at",
    ]  # fmt: skip

    # --- steps --------------------------------------------------------------------------------
    def run(self, *, flush: bool) -> BenchResult:
        big = _closure(
            [Contact, Company, TimelineEntry, Task, Lead, Order, Deal, Ticket, SearchEntry]
        )
        sqlite = connection.vendor == "sqlite"
        if sqlite:
            # The FTS5 index is rebuilt in one pass at the end instead of row by row.
            with connection.cursor() as cursor:
                for name in ("insert", "delete", "update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS search_fts_after_{name}")
        _settle_constraints()
        if flush:
            self.timed("flush", lambda: self.flush(big))
            _settle_constraints()
        swap = _IndexSwap(big)
        self.timed("setup", self.setup)
        self.timed("companies", self.create_companies)
        self.timed("contacts and timeline", self.create_contacts)
        self.timed("orders", self.create_orders)
        self.timed("deals", self.create_deals)
        self.timed("tickets", self.create_tickets)
        self.timed("tasks", self.create_tasks)
        self.timed("leads", self.create_leads)
        self.flush_search()
        self.timed("indexes", swap.restore)
        if sqlite:

            def fts() -> None:
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
                    for sql in _fts_triggers_sql():
                        cursor.execute(sql)

            self.timed("search index", fts)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), big):
                cursor.execute(sql)
        counts = {
            "users": len(self.users),
            "contacts": self.size.contacts,
            "companies": self.size.companies,
            "phones": self.w.counts.get("contacts.Phone", 0),
            "emails": self.w.counts.get("contacts.Email", 0),
            "addresses": self.w.counts.get("contacts.Address", 0),
            "memberships": self.w.counts.get("contacts.Membership", 0),
            "timeline_entries": self.entry_id,
            "orders": self.size.orders,
            "order_lines": self.w.counts.get("commerce.OrderLine", 0),
            "deals": self.size.deals,
            "tickets": self.size.tickets,
            "tasks": self.size.tasks,
            "leads": self.size.leads,
            "search_entries": self.search_id,
        }
        return BenchResult(
            counts=counts,
            hero_contact_id=1,
            pipeline_id=self.pipeline.pk,
            open_deals_in_pipeline=self.size.deals,
            search_samples=self.samples,
            users={
                "admin": ADMIN_USERNAME,
                "rep": self.users[1].username,
                "password": PASSWORD,
            },
            seconds=self.seconds,
        )

    def flush(self, big: list[type[models.Model]]) -> None:
        tables = [m._meta.db_table for m in big if m is not SearchEntry]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
                cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        SearchEntry.objects.filter(kind__in=SEARCH_KINDS).delete()
        User.objects.filter(username__startswith=USER_PREFIX).delete()

    def setup(self) -> None:
        """Roles, teams, ~50 users, tags, the catalogue, the pipeline, ticket categories."""
        rng = self.rng
        ensure_default_roles(Role)
        roles = {role.name: role for role in Role.objects.all()}
        teams: dict[str, Team] = {}
        specs = [(n, d, p) for n, d, p in demo.TEAMS if n not in ("فروش تهران", "فروش اصفهان")]
        specs += [(name, Department.SALES, "فروش") for name, _ in SALES_TEAMS]
        for name, department, parent in specs:
            team, _ = Team.objects.get_or_create(name=name, defaults={"department": department})
            team.parent = teams.get(parent) if parent else None
            team.department = department
            team.save(update_fields=["parent", "department"])
            teams[name] = team
        # Left over from a run whose records were deleted since.
        User.objects.filter(username__startswith=USER_PREFIX).delete()
        password = make_password(PASSWORD)
        plan: list[tuple[str, str, bool]] = [("Manager", "مدیریت", True), ("Manager", "فروش", True)]
        for name, reps in SALES_TEAMS:
            plan.append(("Manager", name, True))
            plan += [("Sales representative", name, False)] * reps
        plan.append(("Support agent", "پشتیبانی", True))
        plan += [("Support agent", "پشتیبانی", False)] * (SUPPORT_AGENTS - 1)
        plan.append(("Marketer", "بازاریابی", True))
        plan += [("Marketer", "بازاریابی", False)] * (MARKETERS - 1)
        plan.append(("Read only", "مدیریت", False))
        admin = User(
            username=ADMIN_USERNAME,
            first_name="مدیر",
            last_name="سامانه",
            email="admin@bench.peyvand.example",
            role=roles.get("Administrator"),
            team=teams["مدیریت"],
            department=Department.MANAGEMENT,
            is_superuser=True,
            is_staff=True,
            password=password,
        )
        users = [admin]
        for index, (role, team_name, _manages) in enumerate(plan, start=1):
            female = rng.random() < 0.45
            first = rng.choice(demo.FEMALE_FIRST_NAMES if female else demo.MALE_FIRST_NAMES)[0]
            last = rng.choice(demo.LAST_NAMES)[0]
            users.append(
                User(
                    username=f"{USER_PREFIX}{index:02d}",
                    first_name=first,
                    last_name=last,
                    email=f"{USER_PREFIX}{index:02d}@bench.peyvand.example",
                    role=roles.get(role),
                    team=teams[team_name],
                    department=teams[team_name].department,
                    language=User.Language.PERSIAN,
                    password=password,
                    phone=self.mobile(),
                )
            )
        User.objects.bulk_create(users)
        self.users = sorted(
            User.objects.filter(username__in=[u.username for u in users]),
            key=lambda u: (u.username != ADMIN_USERNAME, u.username),
        )
        for user, (_role, team_name, manages) in zip(self.users[1:], plan, strict=True):
            if manages:
                Team.objects.filter(pk=teams[team_name].pk).update(manager=user)
        self.teams = teams
        sales_team_ids = {teams[name].pk for name, _ in SALES_TEAMS} | {teams["فروش"].pk}
        self.owners = [u for u in self.users if u.team_id in sales_team_ids]
        self.owner_ids = [u.pk for u in self.owners]
        self.owner_team = {u.pk: u.team_id for u in self.users}
        self.staff_ids = [u.pk for u in self.users]
        self.support = [u for u in self.users if u.team_id == teams["پشتیبانی"].pk]
        self.tags = [Tag.objects.get_or_create(name=normalize_text(n))[0] for n in demo.TAGS]
        self.products = self._catalogue()
        self.pipeline = default_pipeline()
        if self.pipeline is None:
            from peyvand.sales.services import create_pipeline

            self.pipeline = create_pipeline(user=None, name="فروش", is_default=True)
        self.open_stages = list(
            self.pipeline.stages.filter(kind=StageKind.OPEN).order_by("order", "id")
        )
        self.categories = {
            name: TicketCategory.objects.get_or_create(
                name=name, defaults={"description": description}
            )[0]
            for name, description in service_demo.CATEGORIES
        }
        self.tier = lowest_tier()
        self.types = {
            model: ContentType.objects.get_for_model(model).pk for model in (Order, Deal, Ticket)
        }
        self.interaction_kinds = set(interaction_kinds())
        # Products and articles keep their entries; ours follow them.
        self.search_id = SearchEntry.objects.aggregate(m=models.Max("id"))["m"] or 0

    def _catalogue(self) -> dict[str, Product]:
        existing = {p.sku: p for p in Product.objects.filter(sku__in=commerce_demo.SKUS)}
        for sku, name, name_en, category, unit, price, cost in commerce_demo.PRODUCTS:
            if sku in existing:
                continue
            cat_name, cat_en = commerce_demo.CATEGORIES[category]
            cat = ProductCategory.objects.filter(name=cat_name).first()
            if cat is None:
                cat = ProductCategory.objects.create(name=cat_name, name_en=cat_en)
            existing[sku] = create_product(
                user=None,
                data={
                    "sku": sku,
                    "name": name,
                    "name_en": name_en,
                    "category": cat,
                    "unit": unit,
                    "unit_price": Decimal(price),
                    "cost_price": Decimal(cost),
                    "currency": "IRR",
                },
            )
        return existing

    # --- companies ----------------------------------------------------------------------------
    COMPANY_FIELDS = [
        "id", "lifecycle_stage", "source", "owner", "team", "notes", "primary_phone",
        "primary_email", "province", "city", "last_contacted_at", "merged_into", "deleted_at",
        "created_by", "created_at", "updated_at", "name", "name_latin", "national_id",
        "economic_code", "industry", "website", "employee_count",
    ]  # fmt: skip

    def create_companies(self) -> None:
        rng = self.rng
        combos = [(p, n) for p in demo.COMPANY_PREFIXES for n in demo.COMPANY_NAMES]
        rng.shuffle(combos)
        sources = ["referral", "event", "website", "linkedin", "phone"]
        n = self.size.companies
        # What contacts and orders need to know about a company, by id - 1.
        self.company_name: list[str] = []
        self.company_place: list[tuple[str, str]] = []
        self.company_domain: list[str] = []
        for start in range(0, n, CHUNK):
            rows, phones, emails, addresses, tag_rows = [], [], [], [], []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                (prefix, prefix_latin, industry), (name, name_latin) = combos[i % len(combos)]
                round_ = i // len(combos)
                suffix = f" {to_persian_digits(round_ + 1)}" if round_ else ""
                name = normalize_text(f"{prefix} {name}{suffix}")
                province, city, area = self.place()
                owner = rng.choice(self.owner_ids)
                domain = f"{name_latin.lower().replace(' ', '')}-{prefix_latin.lower().split()[0]}"
                domain = f"{domain}{round_ or ''}.ir"
                phone = self.landline(area)
                email = f"info@{domain}"
                company_id = _company_national_id(pk)
                created = self.past(540, 200)
                ts = self.w.ts(created)
                rows.append(
                    (
                        pk, rng.choices(STAGES, weights=[2, 3, 5, 2, 1])[0], rng.choice(sources),
                        owner, self.owner_team[owner], "", phone, email, province, city, None,
                        None, None, owner, ts, ts, name, f"{name_latin} {prefix_latin} Co.",
                        company_id, f"4{rng.randrange(10**11):011d}", industry,
                        f"https://www.{domain}",
                        rng.choice([8, 15, 25, 40, 60, 120, 250, 600, 1500]),
                    )
                )  # fmt: skip
                phones.append((pk, None, pk, True, phone, Phone.Kind.WORK))
                emails.append((pk, None, pk, True, email, Email.Kind.WORK))
                line = self.address_line(city)
                addresses.append(
                    (pk, None, pk, True, "work", province, city, line, self.postal_code())
                )
                tags = rng.sample(self.tags[:3] + self.tags[6:7], rng.choice([0, 0, 1, 1, 2]))
                for tag in tags:
                    tag_rows.append((pk, tag.pk))
                self.company_name.append(name)
                self.company_place.append((province, city))
                self.company_domain.append(domain)
                company = _instance(
                    Company,
                    id=pk,
                    name=name,
                    name_latin=rows[-1][17],
                    national_id=company_id,
                    economic_code=rows[-1][19],
                    industry=industry,
                    city=city,
                    owner_id=owner,
                    team_id=self.owner_team[owner],
                )
                company._prefetched_objects_cache = {
                    "phones": [SimpleNamespace(number=phone)],
                    "emails": [SimpleNamespace(address=email)],
                    "tags": sorted(tags, key=_tag_name),
                }
                self.search("company", pk, company_document(company))
            self.w.write(Company, self.COMPANY_FIELDS, rows)
            self._write_points(phones, emails, addresses)
            self.w.write(Company.tags.through, ["company", "tag"], tag_rows)

    def _write_points(self, phones, emails, addresses) -> None:
        """Phones, emails and addresses (first item of each row: a placeholder for the id)."""
        base = ["id", "contact", "company", "is_primary"]
        self.w.write(Phone, [*base, "number", "kind"], self._numbered("phone", phones))
        self.w.write(Email, [*base, "address", "kind"], self._numbered("email", emails))
        self.w.write(
            Address,
            [*base, "kind", "province", "city", "line", "postal_code"],
            self._numbered("address", addresses),
        )

    def _numbered(self, kind: str, rows: list[tuple]) -> list[tuple]:
        start = self.point_ids[kind]
        self.point_ids[kind] += len(rows)
        return [(start + k, *row[1:]) for k, row in enumerate(rows, start=1)]

    # --- contacts and their timeline ----------------------------------------------------------
    CONTACT_FIELDS = [
        "id", "lifecycle_stage", "source", "owner", "team", "notes", "primary_phone",
        "primary_email", "province", "city", "last_contacted_at", "merged_into", "deleted_at",
        "created_by", "created_at", "updated_at", "first_name", "last_name", "first_name_latin",
        "last_name_latin", "gender", "national_id", "birthday", "job_title", "consent_email",
        "consent_sms", "consent_call",
    ]  # fmt: skip

    def hero_plan(self) -> tuple[int, int, int, int]:
        """(orders, deals, tickets, interactions) of the hero: 200 timeline entries in all."""
        size = self.size
        orders, deals, tickets = min(12, size.orders), min(2, size.deals), min(3, size.tickets)
        return orders, deals, tickets, HERO_ENTRIES - orders - deals - tickets

    def create_contacts(self) -> None:
        rng = self.rng
        size = self.size
        n = size.contacts
        hero_interactions = self.hero_plan()[3]
        others = max(0, size.entries - size.orders - size.deals - size.tickets - hero_interactions)
        per_contact = [0] * n
        per_contact[0] = hero_interactions
        for _ in range(others):
            per_contact[rng.randrange(1, n)] += 1
        sources = [c for c in SourceChannel.values if c not in ("api", "import", "other")]
        cum_kinds = list(_cumulative(INTERACTION_WEIGHTS))
        # Per contact (index = id - 1): what orders, deals, tickets and tasks need.
        self.c_name: list[str] = []
        self.c_owner: list[int] = []
        self.c_company: list[int] = []
        self.c_created: list[int] = []
        self.c_phone: list[str] = []
        self.c_email: list[str] = []
        self.samples: dict[str, str] = {}
        contact_serial = 0
        western = ""
        for start in range(0, n, CHUNK):
            rows, phones, emails, addresses, members, tag_rows, entries = [], [], [], [], [], [], []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                english = pk != 1 and rng.random() < 0.15
                female = rng.random() < 0.45
                if pk == 1:
                    first, last, first_latin, last_latin = HERO_NAME
                    female = False
                elif english and rng.random() < 0.5:
                    first = first_latin = rng.choice(ENGLISH_FIRST_NAMES)
                    last = last_latin = rng.choice(ENGLISH_LAST_NAMES)
                    western = western or f"{first} {last}"
                else:
                    first, first_latin = rng.choice(
                        demo.FEMALE_FIRST_NAMES if female else demo.MALE_FIRST_NAMES
                    )
                    last, last_latin = rng.choice(demo.LAST_NAMES)
                    if english:  # a Persian name written in Latin letters
                        first, last = first_latin, last_latin
                latin = pk == 1 or english or rng.random() < 0.4
                province, city, area = self.place()
                owner = rng.choice(self.owner_ids)
                company = rng.randrange(size.companies) + 1 if rng.random() < 0.45 else 0
                if company:
                    province, city = self.company_place[company - 1]
                mobile = self.mobile()
                contact_phones = [mobile]
                if rng.random() < 0.25:
                    contact_phones.append(self.landline(area))
                email = ""
                if pk == 1 or rng.random() < 0.7:
                    contact_serial += 1
                    domain = (
                        self.company_domain[company - 1]
                        if company
                        else rng.choice(demo.EMAIL_DOMAINS)
                    )
                    local = f"{first_latin}.{last_latin}".lower().replace(" ", "")
                    email = f"{local}{contact_serial}@{domain}"
                national_id = self.national_id(pk) if rng.random() < 0.6 else ""
                birthday = None
                if rng.random() < 0.5:
                    birthday = (
                        f"{rng.randint(1960, 2003)}-{rng.randint(1, 12):02d}-"
                        f"{rng.randint(1, 28):02d}"
                    )
                job_title = rng.choice(demo.JOB_TITLES) if company else ""
                created = self.past(540, 7)
                # Its timeline: interactions between its creation and now.
                last_contacted = None
                for _ in range(per_contact[i]):
                    kind = rng.choices(INTERACTIONS, cum_weights=cum_kinds)[0]
                    when = self.between(created, self.now - 600)
                    entries.append(self.interaction(kind, pk, owner, when))
                    if kind in self.interaction_kinds and (
                        last_contacted is None or when > last_contacted
                    ):
                        last_contacted = when
                ts = self.w.ts(created)
                rows.append(
                    (
                        pk, rng.choices(STAGES, weights=[4, 3, 5, 2, 1])[0], rng.choice(sources),
                        owner, self.owner_team[owner],
                        rng.choice(demo.NOTES) if rng.random() < 0.3 else "", mobile, email,
                        province, city, self.w.ts(last_contacted), None, None, owner, ts,
                        self.w.ts(max(created, last_contacted or 0)),
                        first, last, first_latin if latin else "", last_latin if latin else "",
                        "female" if female else "male", national_id, birthday, job_title,
                        bool(email) and rng.random() < 0.6, rng.random() < 0.55,
                        rng.random() < 0.9,
                    )
                )  # fmt: skip
                phone_objs = []
                for k, number in enumerate(contact_phones):
                    kind = "mobile" if k == 0 else ("work" if company else "home")
                    phones.append((None, pk, None, k == 0, number, kind))
                    phone_objs.append(SimpleNamespace(number=number))
                email_objs = []
                if email:
                    emails.append((None, pk, None, True, email, "work" if company else "personal"))
                    email_objs.append(SimpleNamespace(address=email))
                full = rng.random() < 0.35
                addresses.append(
                    (
                        None, pk, None, True, "work" if company else "home", province, city,
                        self.address_line(city) if full else "",
                        self.postal_code() if full else "",
                    )
                )  # fmt: skip
                memberships = []
                if company:
                    members.append((pk, pk, company, job_title, True, ts))
                    # What contact_document reads of a membership (pk, is_primary, company.name).
                    memberships.append(
                        SimpleNamespace(
                            pk=pk,
                            is_primary=True,
                            company=SimpleNamespace(name=self.company_name[company - 1]),
                        )
                    )
                tags = rng.sample(self.tags, rng.choice([0, 0, 0, 1, 1, 2]))
                for tag in tags:
                    tag_rows.append((pk, tag.pk))
                full_name = f"{first} {last}"
                self.c_name.append(full_name)
                self.c_owner.append(owner)
                self.c_company.append(company)
                self.c_created.append(created)
                self.c_phone.append(mobile)
                self.c_email.append(email)
                contact = _instance(
                    Contact,
                    id=pk,
                    first_name=first,
                    last_name=last,
                    first_name_latin=first_latin if latin else "",
                    last_name_latin=last_latin if latin else "",
                    job_title=job_title,
                    city=city,
                    national_id=national_id,
                    owner_id=owner,
                    team_id=self.owner_team[owner],
                )
                contact._prefetched_objects_cache = {
                    "phones": phone_objs,
                    "emails": email_objs,
                    "tags": sorted(tags, key=_tag_name),
                    "memberships": memberships,
                }
                self.search("contact", pk, contact_document(contact))
            self.w.write(Contact, self.CONTACT_FIELDS, rows)
            self._write_points(phones, emails, addresses)
            self.w.write(
                Membership,
                ["id", "contact", "company", "title", "is_primary", "created_at"],
                members,
            )
            self.w.write(Contact.tags.through, ["contact", "tag"], tag_rows)
            self.w.write(TimelineEntry, self.ENTRY_FIELDS, entries)
        self.samples = {
            "hero_name": " ".join(HERO_NAME[:2]),
            # The hero's last name as typed on an Arabic keyboard (ك, ي): must find the hero.
            "hero_name_arabic_keyboard": " ".join(HERO_NAME[:2])
            .replace("ک", "ك")
            .replace("ی", "ي"),
            "name_prefix": HERO_NAME[1][:3],
            "name_prefix_arabic_keyboard": HERO_NAME[1][:3].replace("ک", "ك").replace("ی", "ي"),
            "english_name": western or " ".join(HERO_NAME[2:]),
            "phone_suffix": self.c_phone[0][-4:],
            "phone": self.c_phone[0],
            "phone_national": "0" + self.c_phone[0][3:],
            "email": self.c_email[0],
        }

    def interaction(self, kind: str, contact: int, owner: int, when: float) -> tuple:
        rng = self.rng
        author = owner if rng.random() < 0.75 else rng.choice(self.staff_ids)
        common = {"contact": contact, "company": None, "when": when, "author": author}
        if kind == "note":
            return self.entry_row(kind, body=rng.choice(demo.NOTES), **common)
        if kind == "call":
            outcome = rng.choice(demo.CALL_OUTCOMES)
            answered = outcome in ("answered", "callback_requested")
            return self.entry_row(
                kind,
                direction=rng.choice(["outbound", "outbound", "inbound"]),
                outcome=outcome,
                duration=rng.randint(30, 1500) if answered else 0,
                body=rng.choice(demo.CALL_NOTES) if answered else "",
                **common,
            )
        if kind == "email":
            return self.entry_row(
                kind,
                direction=rng.choice(["outbound", "inbound"]),
                subject=rng.choice(demo.EMAIL_SUBJECTS),
                body="با سلام و احترام،\n" + rng.choice(demo.CALL_NOTES),
                **common,
            )
        if kind == "meeting":
            location = rng.choice(["دفتر مرکزی", "محل مشتری", "آنلاین"])
            return self.entry_row(
                kind,
                subject=rng.choice(demo.MEETING_SUBJECTS),
                body=rng.choice(demo.CALL_NOTES),
                duration=rng.choice([30, 45, 60, 90]) * 60,
                data=json.dumps({"location": location}, ensure_ascii=False),
                **common,
            )
        return self.entry_row(kind, direction="outbound", body=rng.choice(demo.SMS_TEXTS), **common)

    def customer(self, index: int, hero_count: int) -> int:
        """A contact id: the hero for its first `hero_count` records, else anyone else, with
        low ids buying more often (a few loyal customers, a long tail)."""
        if index < hero_count:
            return 1
        return 2 + int((self.size.contacts - 1) * self.rng.random() ** 2)

    def contact_instance(self, contact: int) -> Contact:
        first, _, last = self.c_name[contact - 1].partition(" ")
        return _instance(Contact, id=contact, first_name=first, last_name=last)

    # --- orders -------------------------------------------------------------------------------
    ORDER_FIELDS = [
        "id", "number", "contact", "company", "customer_name", "owner", "team", "ordered_at",
        "status", "currency", "price_list", "subtotal", "discount", "tax", "total",
        "cost_total", "profit", "source", "external_id", "notes", "metadata", "confirmed_at",
        "paid_at", "fulfilled_at", "cancelled_at", "refunded_at", "created_by", "created_at",
        "updated_at",
    ]  # fmt: skip
    LINE_FIELDS = [
        "id", "order", "position", "product", "sku", "description", "quantity", "unit_price",
        "discount", "tax_rate", "unit_cost", "subtotal", "net", "tax", "total", "cost_total",
    ]  # fmt: skip

    def create_orders(self) -> None:
        rng = self.rng
        n = self.size.orders
        hero_orders = self.hero_plan()[0]
        baskets = list(commerce_demo.BASKETS.values())
        order_type = self.types[Order]
        line_id = 0
        for start in range(0, n, CHUNK):
            rows, lines, entries = [], [], []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                contact = self.customer(i, hero_orders)
                owner = self.c_owner[contact - 1]
                company = self.c_company[contact - 1]
                company = company if company and rng.random() < 0.7 else None
                _weight, choices = baskets[contact % len(baskets)]
                picked: dict[str, int] = {}
                for _ in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
                    sku, _w, (low, high) = rng.choices(choices, weights=[c[1] for c in choices])[0]
                    picked.setdefault(sku, rng.randint(low, high))
                spec = []
                for sku, quantity in picked.items():
                    product = self.products[sku]
                    discount = Decimal(0)
                    if rng.random() < 0.15:
                        gross = product.unit_price * quantity
                        discount = (gross * rng.choice([5, 10]) / 100 / 10_000).quantize(
                            Decimal(1)
                        ) * 10_000
                    spec.append(
                        (
                            sku, quantity, str(product.unit_price), str(discount),
                            str(product.tax_rate), str(product.cost_price),
                        )
                    )  # fmt: skip
                totals = _order_amounts(tuple(spec))
                number = f"{AUTO_NUMBER_PREFIX}{pk:06d}"
                age = rng.uniform(0, commerce_demo.HISTORY_DAYS)
                ordered = min(
                    self.today - int(age) * DAY + rng.randint(8, 19) * 3600,
                    self.now - 3600,
                )
                status = _order_status(rng, age)
                stamps = _order_stamps(rng, status, ordered, self.now)
                ts = self.w.ts(ordered)
                rows.append(
                    (
                        pk, number, contact, company, "", owner, self.owner_team[owner], ts,
                        status, "IRR", None, totals.subtotal, totals.discount, totals.tax,
                        totals.total, totals.cost_total, totals.profit, "manual", "",
                        rng.choice(commerce_demo.NOTES), "{}",
                        *(self.w.ts(stamps.get(k)) for k in _ORDER_STAMPS),
                        owner, ts, self.w.ts(max([ordered, *stamps.values()])),
                    )
                )  # fmt: skip
                for position, ((sku, quantity, price, discount, rate, cost), amounts) in enumerate(
                    zip(spec, totals.lines, strict=True)
                ):
                    line_id += 1
                    product = self.products[sku]
                    lines.append(
                        (
                            line_id, pk, position, product.pk, sku, product.name, quantity,
                            price, discount, rate, cost, amounts.subtotal, amounts.net,
                            amounts.tax, amounts.total, amounts.cost_total,
                        )
                    )  # fmt: skip
                data = json.dumps(
                    {
                        "number": number,
                        "total": plain_amount(totals.total),
                        "currency": "IRR",
                        "status": status,
                    }
                )
                entries.append(
                    self.entry_row(
                        "order", contact=contact, company=company, when=ordered, author=owner,
                        subject=number, data=data, source_type=order_type, source_id=pk,
                    )
                )  # fmt: skip
                order = _instance(
                    Order,
                    id=pk,
                    number=number,
                    total=totals.total,
                    currency="IRR",
                    owner_id=owner,
                    team_id=self.owner_team[owner],
                )
                order.contact = self.contact_instance(contact)
                self.search("order", pk, order_document(order))
            self.w.write(Order, self.ORDER_FIELDS, rows)
            self.w.write(OrderLine, self.LINE_FIELDS, lines)
            self.w.write(TimelineEntry, self.ENTRY_FIELDS, entries)

    # --- deals --------------------------------------------------------------------------------
    DEAL_FIELDS = [
        "id", "title", "contact", "company", "amount", "currency", "expected_close", "owner",
        "team", "source_lead", "source_campaign", "pipeline", "stage", "status", "lost_reason",
        "lost_note", "won_at", "lost_at", "last_activity_at", "stage_entered_at", "position",
        "created_by", "created_at", "updated_at",
    ]  # fmt: skip

    def create_deals(self) -> None:
        """All open, in the default pipeline, spread over its open stages (the kanban)."""
        rng = self.rng
        n = self.size.deals
        hero_deals = self.hero_plan()[1]
        deal_type = self.types[Deal]
        stages = self.open_stages
        weights = [30, 25, 25, 20][: len(stages)] + [20] * max(0, len(stages) - 4)
        column_size = dict.fromkeys((s.pk for s in stages), 0)
        rows, lines, changes, entries = [], [], [], []
        line_id = 0
        for i in range(n):
            pk = i + 1
            contact = self.customer(i, hero_deals)
            owner = self.c_owner[contact - 1]
            company = self.c_company[contact - 1] or None
            stage = rng.choices(stages, weights=weights)[0]
            column_size[stage.pk] += 1
            pattern, offer = rng.choice(sales_demo.OFFERS)
            name = self.company_name[company - 1] if company else self.c_name[contact - 1]
            title = pattern.format(name=name)[:200]
            spec = []
            for sku, (low, high) in offer:
                if sku in self.products and rng.random() < 0.85:
                    product = self.products[sku]
                    spec.append((product, rng.randint(low, high), rng.choice([0, 0, 0, 5, 10])))
            if spec:
                amount = _deal_amount(tuple((q, str(p.unit_price), d) for p, q, d in spec))
            else:
                amount = Decimal(rng.randint(5, 300) * 10_000_000)
            created = self.now - rng.uniform(4, 100) * DAY
            entered = self.between(created, self.now - 3600)
            activity = min(entered + rng.uniform(0, 12) * DAY, self.now - 600)
            if rng.random() < 0.2:  # rotting
                activity = min(entered, self.now - rng.uniform(20, 60) * DAY)
            expected = _date(self.today + rng.randint(3, 92) * DAY + DAY // 2)
            campaign = rng.choice(sales_demo.CAMPAIGNS)
            rows.append(
                (
                    pk, title, contact, company, amount, "IRR", expected, owner,
                    self.owner_team[owner], None, campaign, self.pipeline.pk, stage.pk, "open",
                    None, "", None, None, self.w.ts(activity), self.w.ts(entered),
                    # Cards in creation order down each column, spaced like services do.
                    column_size[stage.pk] * POSITION_GAP, owner, self.w.ts(created),
                    self.w.ts(max(entered, activity)),
                )
            )  # fmt: skip
            for position, (product, quantity, pct) in enumerate(spec):
                line_id += 1
                lines.append(
                    (line_id, pk, product.pk, product.name, quantity, product.unit_price, pct,
                     position)
                )  # fmt: skip
            changes.append((pk, pk, None, stage.pk, "", stage.name, owner, self.w.ts(entered), 0))
            entries.append(
                self.entry_row(
                    "deal_created", contact=contact, company=company, when=created,
                    author=owner, subject=title,
                    data=json.dumps({"amount": str(amount), "currency": "IRR"}),
                    source_type=deal_type, source_id=pk,
                )
            )  # fmt: skip
            deal = _instance(
                Deal,
                id=pk,
                title=title,
                amount=amount,
                currency="IRR",
                source_campaign=campaign,
                owner_id=owner,
                team_id=self.owner_team[owner],
            )
            deal.contact = self.contact_instance(contact)
            if company:
                deal.company = _instance(Company, id=company, name=self.company_name[company - 1])
            self.search("deal", pk, deal_document(deal))
        self.w.write(Deal, self.DEAL_FIELDS, rows)
        self.w.write(
            DealProduct,
            ["id", "deal", "product", "name", "quantity", "unit_price", "discount_percent",
             "order"],
            lines,
        )  # fmt: skip
        self.w.write(
            StageChange,
            ["id", "deal", "from_stage", "to_stage", "from_stage_name", "to_stage_name",
             "changed_by", "changed_at", "seconds_in_previous"],
            changes,
        )  # fmt: skip
        self.w.write(TimelineEntry, self.ENTRY_FIELDS, entries)

    # --- tickets ------------------------------------------------------------------------------
    TICKET_FIELDS = [
        "id", "number", "subject", "description", "contact", "company", "requester_name",
        "requester_email", "requester_phone", "channel", "category", "product", "priority",
        "status", "tier", "team", "assignee", "external_ref", "created_by", "created_at",
        "updated_at", "first_responded_at", "resolved_at", "closed_at", "last_activity_at",
        "merged_into",
    ]  # fmt: skip

    def create_tickets(self) -> None:
        rng = self.rng
        n = self.size.tickets
        hero_tickets = self.hero_plan()[2]
        ticket_type = self.types[Ticket]
        channels = list(service_demo.CHANNEL_WEIGHTS)
        channel_weights = list(service_demo.CHANNEL_WEIGHTS.values())
        priorities = list(service_demo.PRIORITY_WEIGHTS)
        priority_weights = list(service_demo.PRIORITY_WEIGHTS.values())
        categories = list(service_demo.CATEGORY_WEIGHTS)
        category_weights = list(service_demo.CATEGORY_WEIGHTS.values())
        support_team = self.teams["پشتیبانی"].pk
        support_ids = [u.pk for u in self.support]
        statuses = [
            TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER,
            TicketStatus.WAITING_THIRD_PARTY, TicketStatus.RESOLVED, TicketStatus.CLOSED,
            TicketStatus.REOPENED,
        ]  # fmt: skip
        status_weights = [8, 12, 6, 2, 12, 58, 2]
        for start in range(0, n, CHUNK):
            rows, entries = [], []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                contact = self.customer(i, hero_tickets)
                company = self.c_company[contact - 1] or None
                category = rng.choices(categories, weights=category_weights)[0]
                subject, description = rng.choice(service_demo.ISSUES[category])
                channel = rng.choices(channels, weights=channel_weights)[0]
                status = rng.choices(statuses, weights=status_weights)[0]
                created = self.past(365, 0)
                assignee = (
                    None if status == "new" and rng.random() < 0.6 else rng.choice(support_ids)
                )
                responded = resolved = closed = None
                last = created
                if status != "new":
                    responded = last = created + rng.randint(600, 2 * DAY)
                if status in ("resolved", "closed"):
                    resolved = last = responded + rng.randint(3600, 5 * DAY)
                if status == "closed":
                    closed = last = resolved + rng.randint(DAY, 4 * DAY)
                last = min(last, self.now - 60)
                name = self.c_name[contact - 1]
                rows.append(
                    (
                        pk, pk, subject, description, contact, company, name,
                        self.c_email[contact - 1], self.c_phone[contact - 1], channel,
                        self.categories[category].pk, None,
                        rng.choices(priorities, weights=priority_weights)[0], status,
                        self.tier.pk if self.tier else None, support_team, assignee, "",
                        assignee, self.w.ts(created), self.w.ts(last),
                        self.w.ts(responded and min(responded, self.now - 60)),
                        self.w.ts(resolved and min(resolved, self.now - 60)),
                        self.w.ts(closed and min(closed, self.now - 60)), self.w.ts(last), None,
                    )
                )  # fmt: skip
                entries.append(
                    self.entry_row(
                        "ticket_opened", contact=contact, company=company, when=created,
                        author=assignee, subject=subject, body=description,
                        data=json.dumps({"channel": channel}),
                        source_type=ticket_type, source_id=pk,
                    )
                )  # fmt: skip
                ticket = _instance(
                    Ticket,
                    id=pk,
                    number=pk,
                    subject=subject,
                    status=status,
                    requester_name=name,
                    requester_email=self.c_email[contact - 1],
                    requester_phone=self.c_phone[contact - 1],
                    assignee_id=assignee,
                    team_id=support_team,
                )
                ticket.contact = self.contact_instance(contact)
                self.search("ticket", pk, ticket_document(ticket))
            self.w.write(Ticket, self.TICKET_FIELDS, rows)
            self.w.write(TimelineEntry, self.ENTRY_FIELDS, entries)

    # --- tasks --------------------------------------------------------------------------------
    TASK_FIELDS = [
        "id", "title", "description", "due_at", "remind_at", "reminded_at", "priority",
        "assignee", "team", "created_by", "contact", "company", "related_type", "related_id",
        "done_at", "created_at", "updated_at",
    ]  # fmt: skip

    def create_tasks(self) -> None:
        rng = self.rng
        n = self.size.tasks
        for start in range(0, n, CHUNK):
            rows = []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                contact = self.customer(i, 5)
                owner = self.c_owner[contact - 1]
                company = self.c_company[contact - 1] or None
                name = self.c_name[contact - 1]
                if company and rng.random() < 0.4:
                    name = self.company_name[company - 1]
                assignee = owner if rng.random() < 0.85 else rng.choice(self.staff_ids)
                state = rng.choices(["done", "overdue", "today", "upcoming"], [25, 20, 15, 40])[0]
                done = remind = None
                if state == "done":
                    due = self.past(120, 1)
                    done = min(due + rng.randint(-48, 24) * 3600, self.now - 60)
                elif state == "overdue":
                    due = self.past(20, 1)
                elif state == "today":
                    due = self.today + rng.randint(9, 19) * 3600 + rng.choice([0, 15, 30, 45]) * 60
                else:
                    due = self.today + rng.randint(1, 30) * DAY + rng.randint(9, 17) * 3600
                    remind = due - 3600
                created = min(due, self.now) - rng.randint(1, 20) * DAY
                rows.append(
                    (
                        pk, rng.choice(demo.TASK_TITLES).format(name=name),
                        rng.choice(demo.NOTES) if rng.random() < 0.4 else "", self.w.ts(due),
                        self.w.ts(remind), None,
                        rng.choices(["low", "normal", "high"], weights=[2, 6, 2])[0], assignee,
                        self.owner_team[assignee], owner, contact,
                        company if company and rng.random() < 0.5 else None, None, None,
                        self.w.ts(done), self.w.ts(created), self.w.ts(done or created),
                    )
                )  # fmt: skip
            self.w.write(Task, self.TASK_FIELDS, rows)

    # --- leads --------------------------------------------------------------------------------
    LEAD_FIELDS = [
        "id", "first_name", "last_name", "company_name", "job_title", "company_size", "phone",
        "email", "province", "city", "language", "product", "message", "channel",
        "source_name", "source", "form", "consent", "consent_text", "status", "close_reason",
        "close_note", "score", "band", "score_explanation", "owner", "team", "assigned_at",
        "first_response_minutes", "first_response_due_at", "escalation_due_at",
        "sla_reminded_at", "sla_escalated_at", "first_contacted_at", "qualified_at",
        "converted_at", "closed_at", "last_activity_at", "contact", "company", "converted_by",
        "needs_review", "similar_lead", "similar_contact", "form_submits", "email_replies",
        "events_attended", "inquiries", "created_by", "created_at", "updated_at",
    ]  # fmt: skip

    def create_leads(self) -> None:
        rng = self.rng
        n = self.size.leads
        channels = list(leads_demo.CHANNEL_WEIGHTS)
        channel_weights = list(leads_demo.CHANNEL_WEIGHTS.values())
        statuses = [
            LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED,
            LeadStatus.LOST,
        ]  # fmt: skip
        for start in range(0, n, CHUNK):
            rows = []
            for i in range(start, min(n, start + CHUNK)):
                pk = i + 1
                english = rng.random() < 0.15
                if english:
                    first = rng.choice(ENGLISH_FIRST_NAMES)
                    last = rng.choice(ENGLISH_LAST_NAMES)
                    first_latin, last_latin = first, last
                else:
                    first, first_latin = rng.choice(
                        rng.choice([demo.MALE_FIRST_NAMES, demo.FEMALE_FIRST_NAMES])
                    )
                    last, last_latin = rng.choice(demo.LAST_NAMES)
                province, city, _area = self.place()
                phone = self.mobile() if rng.random() < 0.85 else ""
                email = ""
                if rng.random() < 0.6:
                    local = f"{first_latin}.{last_latin}".lower().replace(" ", "")
                    email = f"{local}.lead{pk}@{rng.choice(demo.EMAIL_DOMAINS)}"
                company_name = ""
                if rng.random() < 0.5:
                    (prefix, _pl, _ind), (cname, _cl) = (
                        rng.choice(demo.COMPANY_PREFIXES),
                        rng.choice(demo.COMPANY_NAMES),
                    )
                    company_name = f"{prefix} {cname}"
                status = rng.choices(statuses, weights=[30, 25, 15, 15, 15])[0]
                created = self.past(90, 0)
                owner = rng.choice(self.owner_ids) if rng.random() < 0.9 else None
                contacted = None
                if status != "new":
                    contacted = min(created + rng.randint(600, 3 * DAY), self.now - 60)
                closed = contacted if status in ("unqualified", "lost") else None
                score = rng.randint(0, 100)
                band = Band.HOT if score >= 70 else Band.WARM if score >= 40 else Band.COLD
                product = rng.choice(leads_demo.PRODUCTS)
                due = created + 4 * 3600 if owner else None
                rows.append(
                    (
                        pk, first, last, company_name, "", None, phone, email, province, city,
                        "en" if english else "fa", product, "", rng.choices(
                            channels, weights=channel_weights
                        )[0], "", "{}", None, False, "", status,
                        "no_response" if status == "lost" else (
                            "not_a_fit" if status == "unqualified" else ""
                        ), "", score, band, "[]", owner,
                        self.owner_team[owner] if owner else None,
                        self.w.ts(created if owner else None), 240 if owner else None,
                        self.w.ts(due), None, None, None, self.w.ts(contacted),
                        self.w.ts(contacted if status == "qualified" else None), None,
                        self.w.ts(closed), self.w.ts(contacted or created), None, None, None,
                        False, None, None, 1, 0, 0, 1, None, self.w.ts(created),
                        self.w.ts(contacted or created),
                    )
                )  # fmt: skip
                lead = _instance(
                    Lead,
                    id=pk,
                    first_name=first,
                    last_name=last,
                    company_name=company_name,
                    city=city,
                    product=product,
                    phone=phone,
                    email=email,
                    owner_id=owner,
                    team_id=self.owner_team[owner] if owner else None,
                )
                self.search("lead", pk, lead_document(lead))
            self.w.write(Lead, self.LEAD_FIELDS, rows)


_ORDER_STAMPS = ["confirmed_at", "paid_at", "fulfilled_at", "cancelled_at", "refunded_at"]


def _order_status(rng: random.Random, age: float) -> str:
    if age < 3:
        options = {"draft": 2, "confirmed": 4, "paid": 4}
    elif age < 30:
        options = {"confirmed": 2, "paid": 6, "fulfilled": 10, "cancelled": 1}
    else:
        options = {"paid": 14, "fulfilled": 76, "cancelled": 6, "refunded": 3, "confirmed": 1}
    return rng.choices(list(options), weights=list(options.values()))[0]


def _order_stamps(rng: random.Random, status: str, ordered: float, now: float) -> dict:
    def after(start: float, low: int, high: int) -> float:
        return min(start + rng.randint(low, high) * 3600, now - 60)

    stamps: dict[str, float] = {}
    if status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        stamps["confirmed_at"] = confirmed = after(ordered, 0, 6)
        if status in (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED):
            stamps["paid_at"] = paid = after(confirmed, 1, 96)
            if status == OrderStatus.FULFILLED:
                stamps["fulfilled_at"] = after(paid, 4, 240)
            if status == OrderStatus.REFUNDED:
                stamps["refunded_at"] = after(paid, 48, 400)
    if status == OrderStatus.CANCELLED:
        stamps["cancelled_at"] = after(ordered, 2, 72)
    return stamps


def _date(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).date().isoformat()


def _cumulative(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


@lru_cache(maxsize=65536)
def _address_text(street: str, alley: int, number: int) -> str:
    return to_persian_digits(f"{street}، کوچه {alley}، پلاک {number}")


def _company_national_id(n: int) -> str:
    body = (n * 7_654_321 + 3) % 100_000_000
    while True:
        try:
            return generate_company_national_id(f"10{body:08d}")
        except ValueError:
            body = (body + 1) % 100_000_000


__all__ = [
    "DEFAULT_SEED",
    "HERO_ENTRIES",
    "BenchDataExists",
    "BenchResult",
    "BenchSize",
    "default_fixture_path",
    "has_data",
    "seed",
]


def _tag_name(tag: Tag) -> str:
    return tag.name  # Tag.Meta.ordering: the order `tags.all()` gives the document function
