from django.core.management.base import BaseCommand, CommandError, CommandParser

from peyvand.accounts import services
from peyvand.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print only the raw token (for scripts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="CLI", help="A label for the token (default: CLI).")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; an API token would not work.")
        _token, raw = services.issue_api_token(user, name)
        self.stdout.write(raw)
