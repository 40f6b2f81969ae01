"""Recompute the score of every open lead (recency rules change with time: run it daily)."""

from django.core.management.base import BaseCommand

from peyvand.leads.services import rescore_open_leads


class Command(BaseCommand):
    help = "Recompute the scores of all open leads."

    def handle(self, *args, **options):
        self.stdout.write(f"changed={rescore_open_leads()}")
