"""Backups: a consistent snapshot of the database and the uploaded files in one archive
(`manage.py backup` / `manage.py restore`).

The database is copied with the engine's own tool, so a snapshot taken while people work is
consistent: SQLite's online backup API, PostgreSQL's `pg_dump` (one repeatable-read
transaction). Uploaded files (call recordings, attachments, import files) are read through the
storage API, so local disk and S3-compatible storage are backed up the same way. A backup
restores into the same kind of database; moving between SQLite and PostgreSQL is what the
full-account export is for."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in plain words."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    engine: str
    created_at: str
    files: int


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _pg_command(tool: str, using: str) -> tuple[list[str], dict[str, str]]:
    settings = connections[using].settings_dict
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    command = [tool, "--no-owner", "--no-privileges"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [flag, str(settings[key])]
    return command, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _dump_database(using: str, engine: str, target: Path) -> None:
    connection = connections[using]
    if engine == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return
    command, env = _pg_command("pg_dump", using)
    _run(
        [*command, "--format=custom", "--file", str(target), connection.settings_dict["NAME"]], env
    )


def _load_database(using: str, engine: str, source: Path) -> None:
    connection = connections[using]
    if engine == "sqlite":
        connection.ensure_connection()
        origin = sqlite3.connect(source)
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
        return
    connection.close()
    command, env = _pg_command("pg_restore", using)
    _run(
        [
            *command,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--dbname",
            connection.settings_dict["NAME"],
            str(source),
        ],
        env,
    )


def stored_files(storage: Storage | None = None, folder: str = "") -> list[str]:
    """Every file name in the storage, recursively, sorted."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def create_backup(destination: Path | str, *, using: str = "default") -> BackupInfo:
    """Write the database snapshot, the uploaded files and a manifest to a .tar.gz archive."""
    destination = Path(destination)
    engine = _engine(using)
    created_at = timezone.now().isoformat()
    files = stored_files()
    partial = destination.with_name(destination.name + ".partial")
    with tempfile.TemporaryDirectory() as work:
        database = Path(work) / DATABASE_FILES[engine]
        _dump_database(using, engine, database)
        manifest = {
            "format": FORMAT_VERSION,
            "engine": engine,
            "created_at": created_at,
            "files": files,
        }
        # Written under another name first: a full disk or a crash never leaves an archive
        # that looks complete.
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(database, arcname=database.name)
            for name in files:
                with default_storage.open(name, "rb") as handle:
                    data = handle.read()
                _add_bytes(archive, f"media/{name}", data)
    partial.replace(destination)
    return BackupInfo(destination, engine, created_at, len(files))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mtime = int(dt.datetime.now().timestamp())
    archive.addfile(member, io.BytesIO(data))


def read_manifest(source: Path | str) -> dict:
    try:
        with tarfile.open(source, "r:gz") as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as error:
        raise BackupError(f"{source} is not a Peyvand backup: {error}") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r}.")
    return manifest


def restore_backup(source: Path | str, *, using: str = "default") -> BackupInfo:
    """Replace the database and the uploaded files with the backup's. Everything written since
    the backup is lost: that is what a restore is for."""
    manifest = read_manifest(source)
    engine = _engine(using)
    if manifest["engine"] != engine:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database and this installation uses "
            f"{engine}; move data between the two with export_account / import_account."
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(source, "r:gz") as archive:
        database = Path(work) / DATABASE_FILES[engine]
        with archive.extractfile(DATABASE_FILES[engine]) as packed, database.open("wb") as out:
            shutil.copyfileobj(packed, out)
        _load_database(using, engine, database)
        for name in stored_files():
            default_storage.delete(name)
        for name in manifest["files"]:
            packed = archive.extractfile(f"media/{name}")
            # save() may rename on a clash; the storage is empty here, so names are kept.
            saved = default_storage.save(name, File(packed, name=os.path.basename(name)))
            if saved != name:
                raise BackupError(f"Could not restore {name} under its own name.")
    return BackupInfo(Path(source), engine, manifest["created_at"], len(manifest["files"]))
