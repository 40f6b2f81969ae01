"""Expire sent quotes whose validity date has passed. Deferred jobs do this per quote; run this
daily (cron or a systemd timer) to catch any a worker missed:

    python manage.py expire_quotes"""

from django.core.management.base import BaseCommand

from peyvand.sales.quotes import expire_overdue_quotes


class Command(BaseCommand):
    help = "Mark sent quotes past their validity date as expired."

    def handle(self, *args, **options) -> None:
        count = expire_overdue_quotes()
        self.stdout.write(f"{count} quote(s) expired.")
