"""A full-account export moves an installation to another database with nothing lost: demo
data (with a call recording and a ticket attachment) exported here, imported into a fresh
PostgreSQL or SQLite installation in a subprocess, exported again there, and every record of
every model and every file's bytes compared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command

from peyvand.exports.account import ImportRefused, export_account, import_account
from peyvand.service.models import Ticket, TicketAttachment
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RECORDING = bytes(range(256)) * 40  # binary, not text
ATTACHMENT = "قرارداد امضاشده\n".encode() * 100
NEW_RECORDS = (
    "from peyvand.accounts.models import Notification, Team, User; "
    "Team.objects.create(name='تیم تازه'); "
    "Notification.objects.create(user=User.objects.first(), text='پس از انتقال')"
)


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def _source_account(path: Path) -> dict:
    call_command("load_demo_data", "--contacts", "30")
    entry = TimelineEntry.objects.order_by("pk").first()
    entry.recording.save("call.ogg", ContentFile(RECORDING), save=False)
    entry.recording_name = "تماس.ogg"
    entry.save(update_fields=["recording", "recording_name"])
    ticket = Ticket.objects.order_by("pk").first()
    attachment = TicketAttachment(ticket=ticket, name="قرارداد.txt", content_type="text/plain")
    attachment.file.save("contract.txt", ContentFile(ATTACHMENT), save=False)
    attachment.size = len(ATTACHMENT)
    attachment.save()
    return export_account(path)


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"


def _round_trip(tmp_path: Path, database_url: str) -> tuple[Path, Path, Path]:
    source = tmp_path / "source.zip"
    manifest = _source_account(source)
    assert len(manifest["files"]) == 2
    media = tmp_path / "target-media"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "TASKS_BACKEND": "immediate",
    }
    target = tmp_path / "target.zip"
    _manage(env, "migrate", "--verbosity", "0")
    _manage(env, "import_account", str(source))
    _manage(env, "export_account", "--output", str(target))
    # Sequences were reset: new records get fresh ids instead of colliding with imported ones.
    _manage(env, "shell", "-c", NEW_RECORDS)
    return source, target, media


def _records(archive: zipfile.ZipFile, name: str) -> list[dict]:
    with archive.open(name) as fh:
        return [json.loads(line) for line in fh]


def _assert_same_account(source: Path, target: Path, media: Path) -> None:
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(target) as b:
        ma, mb = json.loads(a.read("manifest.json")), json.loads(b.read("manifest.json"))
        assert [m["model"] for m in ma["models"]] == [m["model"] for m in mb["models"]]
        assert [m["count"] for m in ma["models"]] == [m["count"] for m in mb["models"]]
        assert sum(m["count"] for m in ma["models"]) > 1000
        for entry in ma["models"]:
            assert _records(a, entry["file"]) == _records(b, entry["file"]), entry["model"]
        assert ma["files"] == mb["files"]
        for entry in ma["files"]:
            assert a.read(entry["path"]) == b.read(entry["path"])
            assert (media / entry["name"]).read_bytes() == a.read(entry["path"])
        assert {(media / f["name"]).read_bytes() for f in ma["files"]} == {RECORDING, ATTACHMENT}


@pytest.mark.skipif(not _postgres_reachable(), reason="PostgreSQL is not reachable")
def test_account_moves_to_postgresql_with_nothing_lost(tmp_path):
    import psycopg

    name = f"peyvand_rt_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _assert_same_account(*_round_trip(tmp_path, f"{PG_SERVER}/{name}"))
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_account_moves_to_sqlite_with_nothing_lost(tmp_path):
    _assert_same_account(*_round_trip(tmp_path, f"sqlite:///{tmp_path / 'target.sqlite3'}"))


def test_import_refuses_an_installation_that_has_users(tmp_path, admin_user):
    path = tmp_path / "a.zip"
    export_account(path)
    with pytest.raises(ImportRefused, match="already has users"):
        import_account(path)


def test_import_refuses_a_damaged_file(tmp_path, admin_user):
    path = tmp_path / "a.zip"
    manifest = export_account(path)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "data/accounts.user.jsonl":
                data = data.replace(b"admin", b"admix")
            dst.writestr(item, data)
    assert any(m["model"] == "accounts.user" and m["count"] == 1 for m in manifest["models"])
    with pytest.raises(ImportRefused, match="checksum"):
        import_account(damaged)


def test_manifest_lists_models_in_dependency_order(tmp_path, admin_user):
    manifest = export_account(tmp_path / "a.zip")
    order = [m["model"] for m in manifest["models"]]
    assert order.index("accounts.role") < order.index("accounts.user")
    assert order.index("contacts.contact") < order.index("contacts.phone")
    assert order.index("accounts.user") < order.index("auditlog.logentry")
    assert not any(m.startswith("exports.") for m in order)
    assert all(len(m["sha256"]) == 64 for m in manifest["models"])
