from django.core.management.base import BaseCommand, CommandError

from peyvand.search import registry, services


class Command(BaseCommand):
    help = (
        "Rebuild the global search index from the records themselves (all kinds, or those "
        "named). Safe to run while Peyvand is in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", help="Kinds to rebuild, e.g. contact company.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, kinds, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        available = sorted(indexer.kind for indexer in registry.indexers())
        unknown = sorted(set(kinds) - set(available))
        if unknown:
            raise CommandError(
                f"Unknown kind(s): {', '.join(unknown)}. Available: {', '.join(available)}."
            )
        counts = services.rebuild_index(kinds or None, batch_size=batch_size)
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count} indexed")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
