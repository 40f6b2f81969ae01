"""Create the PostgreSQL database of DATABASE_URL when it does not exist yet (`make run-prod`).

Connects to the server's "postgres" maintenance database with the same credentials. Does
nothing on SQLite (the file is created on first use) or when the database is already there."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Create the PostgreSQL database named in DATABASE_URL if it is missing."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="The alias to create.")

    def handle(self, *args, **options) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: nothing to create.")
            return
        import psycopg
        from psycopg import sql

        params = connection.get_connection_params()
        name = params.pop("dbname")
        for key in ("context", "cursor_factory", "prepare_threshold", "pool"):
            params.pop(key, None)
        try:
            with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
                exists = admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if exists:
                    self.stdout.write(f"Database {name} exists.")
                    return
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise CommandError(f"Could not create database {name}: {exc}") from exc
        self.stdout.write(f"Database {name} created.")
