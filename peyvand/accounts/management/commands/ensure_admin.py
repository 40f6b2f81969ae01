from django.core.management.base import BaseCommand, CommandError, CommandParser

from peyvand.accounts import services


class Command(BaseCommand):
    help = (
        "Create or update an administrator: role Administrator, superuser, active. "
        "Safe to run repeatedly (used by the demo set-up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="Set this password (required for a new user).")
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, password: str | None, email: str, **options) -> None:
        username = username.strip()
        if not username:
            raise CommandError("--username must not be empty.")
        if not password and not services.user_exists(username):
            raise CommandError("--password is required to create a new administrator.")
        user, created = services.ensure_admin(username, password=password, email=email)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} administrator {user.username!r}."))
