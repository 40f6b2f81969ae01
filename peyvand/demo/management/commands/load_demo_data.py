from django.core.management.base import BaseCommand, CommandError

from peyvand.demo import foundation as demo


class Command(BaseCommand):
    help = (
        "Load a realistic Persian demo data set (teams, users, contacts, companies, timeline, "
        "tasks). Does nothing when it is already loaded. "
        f"Demo users' password: {demo.DEMO_PASSWORD}"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--contacts",
            type=int,
            default=demo.DEFAULT_CONTACTS,
            help="How many contacts to create; companies, timeline and tasks scale with it.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Load again even if the demo data is there."
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First DELETE every contact, company, timeline entry, task and tag, and the demo "
            "users; then load.",
        )

    def handle(self, *args, contacts: int, force: bool, flush: bool, **options):
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        if flush:
            demo.flush()
            self.stdout.write("Removed the existing CRM records.")
        result = demo.load(contacts, force=force)
        if not result.loaded:
            self.stdout.write("Demo data is already loaded; nothing to do (use --flush to reload).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded demo data: {result.users} users, {result.contacts} contacts, "
                f"{result.companies} companies, {result.timeline_entries} timeline entries, "
                f"{result.tasks} tasks"
                + "".join(f", {count} {name}" for name, count in result.modules.items())
                + ". "
                f"Demo users sign in with the password {demo.DEMO_PASSWORD!r}."
            )
        )
