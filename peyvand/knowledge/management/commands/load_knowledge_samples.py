from django.core.management.base import BaseCommand

from peyvand.knowledge.samples import load_samples


class Command(BaseCommand):
    help = "Add starter knowledge-base articles and canned responses (Persian and English)."

    def handle(self, *args, **options) -> None:
        result = load_samples()
        self.stdout.write(
            f"{result.articles} articles and {result.canned_responses} canned responses added."
        )
