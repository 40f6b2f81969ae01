import time

from django.core.management.base import BaseCommand, CommandError

from peyvand.demo import bench_data


class Command(BaseCommand):
    help = (
        "Write a large benchmark data set (contacts, companies, timeline, orders, deals, "
        "tickets, tasks, leads and the search index) with bulk inserts (COPY on PostgreSQL). "
        "Deterministic for a seed. Refuses a database that has CRM records unless --flush. "
        "Writes a fixture JSON (hero contact, pipeline, search samples) for the benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True, help="Number of contacts.")
        for name, default in (
            ("companies", "contacts/5"),
            ("entries", "5 x contacts; at least one per order, deal and ticket"),
            ("orders", "contacts"),
            ("deals", "contacts/100, all open in the default pipeline"),
            ("tickets", "contacts/10"),
            ("tasks", "contacts/2"),
            ("leads", "contacts/10"),
        ):
            parser.add_argument(f"--{name}", type=int, help=f"Default: {default}.")
        parser.add_argument("--seed", type=int, default=bench_data.DEFAULT_SEED)
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First EMPTY every CRM table (contacts, companies, timeline, tasks, leads, "
            "orders, deals, tickets, their search entries) and the bench users.",
        )
        parser.add_argument(
            "--fixture",
            help=f"Where to write the fixture JSON (default: {bench_data.default_fixture_path()}).",
        )

    def handle(self, *args, contacts: int, seed: int, flush: bool, fixture, **options):
        names = ("companies", "entries", "orders", "deals", "tickets", "tasks", "leads")
        try:
            size = bench_data.BenchSize.scaled(contacts, **{n: options[n] for n in names})
        except ValueError as error:
            raise CommandError(str(error)) from error
        started = time.monotonic()
        try:
            result = bench_data.seed(
                size,
                seed=seed,
                flush=flush,
                fixture_path=fixture,
                log=lambda message: self.stdout.write(f"  {message}"),
            )
        except bench_data.BenchDataExists:
            raise CommandError(
                "The database already has CRM records; use --flush to replace them."
            ) from None
        elapsed = time.monotonic() - started
        counts = ", ".join(
            f"{count:,} {name.replace('_', ' ')}" for name, count in result.counts.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {elapsed:.1f} s: {counts}.\n"
                f"Hero contact id: {result.hero_contact_id} ({bench_data.HERO_ENTRIES} timeline "
                f"entries); pipeline id: {result.pipeline_id} "
                f"({result.open_deals_in_pipeline:,} open deals).\n"
                f"Fixture: {result.fixture_path}"
            )
        )
